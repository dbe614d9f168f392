from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "kikin.programs"
    verbose_name = _("Programs and plans")

    def ready(self):
        from . import permissions  # noqa: F401  (registers its predicates for the templates)
