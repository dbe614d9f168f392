from django.core.management.base import BaseCommand

from kikin.datasets.services import lift_ended_embargoes


class Command(BaseCommand):
    help = "Open the embargoed datasets whose date has come (run it daily)."

    def handle(self, *args, **options):
        self.stdout.write(f"embargoes lifted: {lift_ended_embargoes()}")
