from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "kikin.outcomes"
    verbose_name = _("Outcomes")

    def ready(self):
        # The state machines' tables (kikin.core.workflow.MACHINES) are declared on import.
        from . import (
            permissions,  # noqa: F401  (registers its predicates for the templates)
            workflow,  # noqa: F401
        )
