from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishConfig(AppConfig):
    name = "kikin.publish"
    verbose_name = _("Public data")
