import pytest

from kikin.audit.models import AuditRecord
from kikin.audit.services import record
from kikin.programs.models import Program

pytestmark = pytest.mark.django_db


def test_audit_records_are_append_only(plan):
    rec = record(actor=None, action="test.act", obj=plan, before={"a": 1}, after={"a": 2})
    assert rec.object_type == "programs.program" and rec.object_id == str(plan.pk)
    rec.note = "changed"
    with pytest.raises(PermissionError):
        rec.save()
    with pytest.raises(PermissionError):
        rec.delete()
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(pk=rec.pk).update(note="x")
    with pytest.raises(PermissionError):
        AuditRecord.objects.all().delete()
    assert AuditRecord.objects.get(pk=rec.pk).after == {"a": 2}
    assert Program.objects.filter(pk=plan.pk).exists()
