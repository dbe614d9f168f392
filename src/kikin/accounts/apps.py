from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kikin.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import permissions  # noqa: F401  (registers its predicates for the templates)
