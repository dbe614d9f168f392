"""Print (or write) the REST API's OpenAPI document, as kept in docs/openapi.json.

kikin manage api_schema --output docs/openapi.json
"""

import json

from django.core.management.base import BaseCommand


def schema_text() -> str:
    from kikin.api.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "The REST API's OpenAPI document (docs/openapi.json)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args, output=None, **options):
        from django.utils import translation

        with translation.override("en"):
            text = schema_text()
        if output:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            self.stdout.write(text, ending="")
