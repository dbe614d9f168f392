from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatasetsConfig(AppConfig):
    name = "kikin.datasets"
    verbose_name = _("Research data")

    def ready(self):
        # The search index follows proposals and published adoptions (a cache of their words).
        from . import search

        search.connect_signals()
