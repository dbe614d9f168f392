from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "kikin.matching"
    verbose_name = _("Data matching board")

    def ready(self):
        from . import permissions  # noqa: F401  (registers its predicates for the templates)
