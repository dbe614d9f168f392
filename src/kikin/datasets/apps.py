from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatasetsConfig(AppConfig):
    name = "kikin.datasets"
    verbose_name = _("Research data")

    def ready(self):
        from kikin.programs.plan_loaders import register_kind

        from . import permissions  # noqa: F401  (registers its predicates for the templates)
        from .services import load_data_platform_plan

        register_kind("data_platform", load_data_platform_plan)  # a data platform's own tables
        # The search index follows proposals and published adoptions (a cache of their words).
        from . import search

        search.connect_signals()
