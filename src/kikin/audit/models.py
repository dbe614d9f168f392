"""The audit trail: one append-only record per state change, written by the service that made it.

Who did it, when, what, and the state before and after. Records are never updated or deleted
through the ORM; the admin shows them read-only.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit records are append-only")

    def delete(self):
        raise PermissionError("audit records are append-only")


class AuditRecord(models.Model):
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField(_("note"), blank=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit records are append-only")


class SignInRecord(models.Model):
    """One attempt to sign in, kept or refused: who (the user if the name is known), the name
    typed, whether it succeeded, from where, and the request's id. Written by the auth signals
    (`kikin.audit.signals`), append-only like the audit trail."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name typed"), max_length=150, blank=True)
    succeeded = models.BooleanField(_("succeeded"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=100, blank=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["username", "at"]), models.Index(fields=["user", "at"])]
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {'ok' if self.succeeded else 'refused'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("sign-in records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("sign-in records are append-only")
