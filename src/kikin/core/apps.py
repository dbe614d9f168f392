from django.apps import AppConfig
from django.db.models.signals import pre_save


class CoreConfig(AppConfig):
    name = "kikin.core"
    verbose_name = "kikin"

    def ready(self):
        from .validation import guard_row

        # The backstop of every service: no kikin row reaches the database with a value its
        # column cannot hold (kikin.core.validation).
        pre_save.connect(guard_row, dispatch_uid="kikin.core.guard_row")
