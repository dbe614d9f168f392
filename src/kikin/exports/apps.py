from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "kikin.exports"
    verbose_name = _("Exports")

    def ready(self):
        autodiscover_modules("exports")  # each app's exports.py registers its lists
