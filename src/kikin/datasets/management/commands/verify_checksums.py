from django.core.management.base import BaseCommand

from kikin.datasets.services import verify_checksums


class Command(BaseCommand):
    help = (
        "Re-read dataset files and compare their SHA-256 with the recorded one, the files "
        "checked longest ago first (run it on a schedule, e.g. nightly with --limit)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="check at most this many files")

    def handle(self, *args, **options):
        counts = verify_checksums(limit=options["limit"])
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items() if v) or "no files")
        if counts.get("mismatch") or counts.get("missing"):
            self.stderr.write("some files failed their check: see /datasets/integrity/")
            raise SystemExit(1)
