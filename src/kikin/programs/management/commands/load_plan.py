from django.core.management.base import BaseCommand, CommandError

from kikin.programs.services import load_catalogue, load_plan_files
from kikin.rules.plan import PlanDataError


class Command(BaseCommand):
    help = (
        "Load plan files (docs/plans.md): the given PATHs, or every program of the shipped "
        "catalogue. All or nothing: a faulty file is refused whole with its key path. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH", help="plan files (TOML)")

    def handle(self, *args, **options):
        try:
            loaded = load_plan_files(options["paths"]) if options["paths"] else load_catalogue()
        except PlanDataError as e:
            raise CommandError(str(e)) from None
        for code, counts in loaded.items():
            made = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "nothing new"
            self.stdout.write(f"{code}: {made}")
