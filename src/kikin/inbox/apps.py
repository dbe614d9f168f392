from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "kikin.inbox"
    verbose_name = _("Inbox and notifications")

    def ready(self):
        from . import events  # noqa: F401  (turns audit records into notifications)
