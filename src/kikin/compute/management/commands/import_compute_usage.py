"""Import a provider's usage report from a file on the server (for files too big to upload):

kikin-manage import_compute_usage --pool 3 --user agency1 usage-2024-11.csv
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from kikin.accounts.models import User
from kikin.compute.models import ComputePool
from kikin.compute.services import import_usage_file


class Command(BaseCommand):
    help = "Import a compute provider's usage report (CSV) into a pool; prints the counts and the first errors as JSON."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--pool", type=int, required=True, help="the pool's id")
        parser.add_argument("--user", required=True, help="the agency officer importing (username)")

    def handle(self, *args, path, pool, user, **options):
        try:
            actor = User.objects.get(username=user)
            target = ComputePool.objects.get(pk=pool)
            imp = import_usage_file(actor=actor, pool=target, path=path)
        except (User.DoesNotExist, ComputePool.DoesNotExist, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        self.stdout.write(
            json.dumps(
                {
                    "import": imp.pk,
                    "sha256": imp.sha256,
                    "rows_read": imp.rows_read,
                    "imported": imp.rows_imported,
                    "already": imp.rows_already,
                    "bad": imp.rows_bad,
                    "errors": imp.errors,
                },
                ensure_ascii=False,
            )
        )
