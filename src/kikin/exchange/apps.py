from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "kikin.exchange"
    verbose_name = _("Data exchange (e-Rad style)")

    def ready(self):
        from . import permissions  # noqa: F401  (registers its predicates for the templates)
