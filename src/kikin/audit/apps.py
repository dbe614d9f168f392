from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kikin.audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from . import signals  # noqa: F401  (records every sign-in and failed sign-in)
