from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComputeConfig(AppConfig):
    name = "kikin.compute"
    verbose_name = _("GENIAC compute support")
