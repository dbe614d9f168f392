from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "kikin.calls"
    verbose_name = _("Calls and proposals")

    def ready(self):
        from kikin.programs.plan_loaders import register_section

        from . import permissions  # noqa: F401  (registers its predicates for the templates)
        from .plan import load_plan_calls

        register_section("calls", load_plan_calls)  # a plan file's [[calls]]
