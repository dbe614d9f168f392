from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "kikin.budgets"
    verbose_name = _("Budget frames")

    def ready(self):
        from . import permissions  # noqa: F401  (registers its predicates for the templates)
