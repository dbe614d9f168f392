from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "kikin.jobs"
    verbose_name = _("Background jobs")

    def ready(self):
        from . import (
            permissions,  # noqa: F401  (registers its predicates for the templates)
            tasks,  # noqa: F401  (binds the Celery app and its tasks)
        )

        autodiscover_modules("jobs")  # each app's jobs.py registers its handlers
