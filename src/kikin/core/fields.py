"""Model fields that follow the fund's clock (`kikin.core.timeutil`)."""

from __future__ import annotations

from django.db import models

from . import timeutil


class ClockStamp(models.DateTimeField):
    """A DateTimeField with auto_now / auto_now_add stamped by the fund's clock
    (`timeutil.now()`) instead of the machine's: when something was decided, declared, submitted
    or recorded is business history, which the demo makes on the days it happened and the tests
    move with the clock. The same column as a DateTimeField: it deconstructs as one, so it needs
    no migration. The audit trail and other bookkeeping keep the plain field (the machine's time)."""

    def pre_save(self, model_instance, add):
        if self.auto_now or (self.auto_now_add and add):
            value = timeutil.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs
