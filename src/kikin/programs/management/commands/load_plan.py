from django.core.management.base import BaseCommand

from kikin.programs.services import load_catalogue


class Command(BaseCommand):
    help = "Load the fund's programs, plan revisions, items, themes and calls from the plan catalogue. Safe to run twice."

    def handle(self, *args, **options):
        for code, counts in load_catalogue().items():
            made = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "nothing new"
            self.stdout.write(f"{code}: {made}")
