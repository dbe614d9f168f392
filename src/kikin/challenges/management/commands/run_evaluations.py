from django.core.management.base import BaseCommand

from kikin.challenges.services import run_evaluations


class Command(BaseCommand):
    help = "Evaluate the queued challenge entries in the sandbox, fairly between teams, until none is left."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="stop after this many")

    def handle(self, *args, limit=None, **options):
        done = run_evaluations(limit=limit)
        self.stdout.write(f"evaluated: {done}")
