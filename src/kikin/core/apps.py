from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import pre_save


class CoreConfig(AppConfig):
    name = "kikin.core"
    verbose_name = "kikin"

    def ready(self):
        from .listing import register_sqlite_fold
        from .validation import guard_row

        # The backstop of every service: no kikin row reaches the database with a value its
        # column cannot hold (kikin.core.validation).
        pre_save.connect(guard_row, dispatch_uid="kikin.core.guard_row")
        # The lists' search folds text alike in Python and SQL (kikin.core.listing).
        connection_created.connect(register_sqlite_fold, dispatch_uid="kikin.core.listing.fold")
