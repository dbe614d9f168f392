from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComputeConfig(AppConfig):
    name = "kikin.compute"
    verbose_name = _("GENIAC compute support")

    def ready(self):
        from . import permissions  # noqa: F401  (registers its predicates for the templates)
