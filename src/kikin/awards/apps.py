from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "kikin.awards"
    verbose_name = _("Contracts, grants and money")

    def ready(self):
        # The state machines' tables (kikin.core.workflow.MACHINES) are declared on import.
        from . import (
            permissions,  # noqa: F401  (registers its predicates for the templates)
            workflow,  # noqa: F401
        )
