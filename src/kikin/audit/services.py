"""Writing the audit trail. Services call `record` inside their own transaction."""

from django.db import models

from .models import AuditRecord


def record(
    *, actor, action: str, obj: models.Model, before=None, after=None, note: str = ""
) -> AuditRecord:
    """Append one audit record for `action` on `obj` by `actor` (None for the system)."""
    return AuditRecord.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        note=note,
    )
