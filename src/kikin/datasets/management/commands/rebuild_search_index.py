from django.core.management.base import BaseCommand

from kikin.datasets.search import rebuild


class Command(BaseCommand):
    help = "Re-create the search index of datasets, proposals and adopted themes."

    def handle(self, *args, **options):
        counts = rebuild()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
