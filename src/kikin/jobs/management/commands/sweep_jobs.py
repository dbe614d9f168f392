from django.core.management.base import BaseCommand

from kikin.jobs.services import sweep_jobs


class Command(BaseCommand):
    help = "Send again the background jobs that were lost (never sent, or their worker died)."

    def handle(self, *args, **options):
        ids = sweep_jobs()
        self.stdout.write(f"{len(ids)} job(s) sent again")
