from pathlib import Path

from django.core.management.base import BaseCommand

from kikin.ops.backup import backup


class Command(BaseCommand):
    help = "Save the database and the file store into a new dated folder (kikin.ops.backup)."

    def add_arguments(self, parser):
        parser.add_argument("--to", default="backups", help="the folder to put it in (backups)")

    def handle(self, *args, to, **options):
        folder = backup(Path(to))
        self.stdout.write(str(folder))
