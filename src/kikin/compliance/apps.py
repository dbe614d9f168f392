from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "kikin.compliance"
    verbose_name = _("Technology-leakage controls")

    def ready(self):
        # The state machines' tables (kikin.core.workflow.MACHINES) are declared on import.
        from . import (
            permissions,  # noqa: F401  (registers its predicates for the templates)
            workflow,  # noqa: F401
        )
