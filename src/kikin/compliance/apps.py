from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "kikin.compliance"
    verbose_name = _("Technology-leakage controls")
