from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kikin.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup folder into an empty database and file store, and check it."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder made by `backup`")

    def handle(self, *args, folder, **options):
        try:
            done = restore(Path(folder))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored {done['tables']} tables ({done['rows']} rows) and {done['files']} files; "
            "all checked against the backup"
        )
