from django.core.management.base import BaseCommand, CommandError

from kikin.budgets.frames import BudgetFrameError
from kikin.budgets.services import load_budget_frames


class Command(BaseCommand):
    help = "Load the budget lines of seeds 002 and 004 (kikin/rules/data/budget_frames.toml). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", help="another budget-frames TOML file (default: the packaged one)"
        )

    def handle(self, *args, **options):
        try:
            counts = load_budget_frames(path=options.get("file"))
        except BudgetFrameError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("budget frames: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
