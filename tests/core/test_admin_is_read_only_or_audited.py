"""The admin changes nothing without a service and an audit record (issue 12, item 3).

Every ModelAdmin of the site refuses adding, changing and deleting, for a superuser too; the
only writes are the audited pages and actions listed in AUDITED, and each of those goes through
its service: an invalid value is refused with the service's sentence and writes nothing, a
valid one writes exactly one audit record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests import factories

from kikin.accounts.models import Organisation, OrganisationCategory, Role, User
from kikin.audit.admin import AuditedAdmin
from kikin.audit.models import AuditRecord
from kikin.audit.services import record
from kikin.calls.models import Call
from kikin.compute.models import Benchmark
from kikin.review.models import ConflictDeclaration, Criterion, ReviewerProfile

pytestmark = pytest.mark.django_db

#: The admin's only writes: model → its audited pages (service_forms) and actions.
AUDITED = {
    "accounts.user": {"role", "second-factor", "create"},
    "accounts.organisation": {"details"},
    "calls.call": {"edit", "create"},
    "review.criterion": {"set", "edit", "remove"},
    "review.conflictdeclaration": {"declare"},
    "review.reviewerprofile": {"take_out_of_pool", "put_back_in_pool"},
    "compute.benchmark": {"define"},
}

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def root(client):
    """A superuser who is also an agency officer (the role the review and calls services ask)."""
    user = User.objects.create_superuser(
        username="root", password="pw", email="root@example.org", role=Role.AGENCY
    )
    client.force_login(user)
    return user


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def _records():
    return AuditRecord.objects.count()


def test_every_admin_refuses_add_change_and_delete(client, root, plan):
    request = _request(root)
    factories.reviewer()
    call = factories.open_call(plan)
    record(actor=root, action="test", obj=call)
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        obj = model._default_manager.first()
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request, obj), label
        assert not model_admin.has_delete_permission(request, obj), label
        for inline in model_admin.get_inline_instances(request, obj):
            assert not inline.has_add_permission(request, obj), label
            assert not inline.has_change_permission(request, obj), label
            assert not inline.has_delete_permission(request, obj), label

        assert client.get(_url(model, "changelist")).status_code == 200, label
        assert client.get(_url(model, "add")).status_code == 403, label
        assert client.post(_url(model, "add"), {}).status_code == 403, label
        if obj is not None:  # (for a missing row the admin answers with a redirect)
            pk = obj.pk
            assert client.get(_url(model, "change", pk)).status_code == 200, label
            assert client.post(_url(model, "change", pk), {}).status_code == 403, label
            assert client.get(_url(model, "delete", pk)).status_code == 403, label
            assert client.post(_url(model, "delete", pk), {"post": "yes"}).status_code == 403, label
            assert model._default_manager.filter(pk=pk).exists(), label

        actions = set(model_admin.get_actions(request))
        forms = set(getattr(model_admin, "service_forms", {}) or {})
        assert "delete_selected" not in actions, label
        assert actions | forms <= AUDITED.get(label, set()), label
        if label in AUDITED:
            assert isinstance(model_admin, AuditedAdmin), label
            assert actions | forms == AUDITED[label], label


def test_the_audited_pages_are_for_staff_allowed_to_change_the_model(client, root):
    clerk = User.objects.create_user(username="clerk", password="pw", is_staff=True)
    client.force_login(clerk)
    assert client.get(_url(Call, "create")).status_code == 403
    assert client.get(_url(User, "role", root.pk)).status_code == 403


def test_role_and_organisation_change_through_change_role(client, root):
    org = factories.organisation()
    person = factories.applicant()
    url = _url(User, "role", person.pk)
    assert client.get(url).status_code == 200
    before = _records()

    refused = client.post(url, {"role": Role.REVIEWER, "organisation": org.pk}, **EN)
    assert refused.status_code == 400
    assert "Give the reason for the change." in refused.content.decode()
    refused = client.post(url, {"role": Role.APPLICANT, "organisation": "", "reason": "x"}, **EN)
    assert "An applicant acts for an organisation: choose it." in refused.content.decode()
    assert _records() == before
    person.refresh_from_db()
    assert person.role == Role.APPLICANT

    done = client.post(
        url, {"role": Role.REVIEWER, "organisation": org.pk, "reason": "joined the committee"}
    )
    assert done.status_code == 302
    person.refresh_from_db()
    assert (person.role, person.organisation_id) == (Role.REVIEWER, org.pk)
    assert _records() == before + 1
    rec = AuditRecord.objects.latest("pk")
    assert (rec.action, rec.object_id, rec.actor_id) == (
        "accounts.change_role",
        str(person.pk),
        root.pk,
    )
    assert rec.before["role"] == Role.APPLICANT and rec.note == "joined the committee"


def test_an_account_is_opened_through_create_account(client, root):
    url = _url(User, "create")
    before = _records()
    refused = client.post(
        url, {"username": "rev1", "password": "", "role": Role.REVIEWER, "email": "r@example.org"}
    )
    assert refused.status_code == 400
    assert not User.objects.filter(username="rev1").exists()
    assert _records() == before
    done = client.post(
        url,
        {
            "username": "rev1",
            "password": "a long enough passphrase 42",
            "display_name": "Reviewer One",
            "email": "r@example.org",
            "role": Role.REVIEWER,
        },
    )
    assert done.status_code == 302
    made = User.objects.get(username="rev1")
    assert made.role == Role.REVIEWER and made.check_password("a long enough passphrase 42")
    assert _records() == before + 1
    assert AuditRecord.objects.latest("pk").action == "accounts.create_account"


def test_a_second_factor_is_reset_through_the_service(client, root):
    person = factories.user(Role.AGENCY)
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    url = _url(User, "second-factor", person.pk)
    before = _records()
    refused = client.post(url, {"reason": ""}, **EN)
    assert "Give the reason for the change." in refused.content.decode()
    assert TOTPDevice.objects.filter(user=person).exists() and _records() == before
    assert client.post(url, {"reason": "lost phone"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert _records() == before + 1
    assert AuditRecord.objects.latest("pk").action == "accounts.reset_second_factor"


def test_an_organisation_is_corrected_through_update_organisation(client, root):
    org = factories.organisation(category=OrganisationCategory.LARGE)
    url = _url(Organisation, "details", org.pk)
    form = {
        "name_ja": org.name_ja,
        "name_en": org.name_en,
        "category": OrganisationCategory.SME,
        "corporate_number": "123",
        "country": "JP",
        "has_rd_base_in_japan": "on",
        "reason": "SME certificate seen",
    }
    before = _records()
    refused = client.post(url, form, **EN)
    assert refused.status_code == 400
    assert "13 digits, the first a check digit." in refused.content.decode()
    org.refresh_from_db()
    assert org.category == OrganisationCategory.LARGE and _records() == before

    assert client.post(url, {**form, "corporate_number": ""}).status_code == 302
    org.refresh_from_db()
    assert org.category == OrganisationCategory.SME
    assert _records() == before + 1
    rec = AuditRecord.objects.latest("pk")
    assert rec.action == "accounts.update_organisation"
    assert (rec.before["category"], rec.after["category"]) == ("large", "sme")


def test_a_call_is_opened_and_corrected_through_the_calls_services(client, root, plan):
    theme = factories.theme("1-a1")
    opens = timezone.localtime().replace(microsecond=0) + dt.timedelta(days=1)
    form = {
        "program": plan.pk,
        "key": "2030-01",
        "title_ja": "第1回公募",
        "title_en": "First call",
        "themes": [theme.pk],
        "opens_at": opens.strftime("%Y-%m-%d %H:%M:%S"),
        "closes_at": (opens - dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S"),
        "budget_total_yen": "1000000000",
        "peer_reviews": "after_own",
    }
    before = _records()
    refused = client.post(_url(Call, "create"), form, **EN)
    assert refused.status_code == 400
    assert "A call must close after it opens." in refused.content.decode()
    assert not Call.objects.filter(key="2030-01").exists() and _records() == before

    form["closes_at"] = (opens + dt.timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    assert client.post(_url(Call, "create"), form).status_code == 302
    call = Call.objects.get(key="2030-01")
    assert list(call.themes.all()) == [theme]
    assert _records() == before + 1
    assert AuditRecord.objects.latest("pk").action == "call.create"

    edit = {k: val for k, val in form.items() if k not in ("program", "key")}
    refused = client.post(_url(Call, "edit", call.pk), {**edit, "budget_total_yen": "-1"}, **EN)
    assert refused.status_code == 400 and _records() == before + 1
    edit["closes_at"] = (opens + dt.timedelta(days=40)).strftime("%Y-%m-%d %H:%M:%S")
    assert client.post(_url(Call, "edit", call.pk), edit).status_code == 302
    call.refresh_from_db()
    assert call.closes_at == opens + dt.timedelta(days=40)
    assert _records() == before + 2
    assert AuditRecord.objects.latest("pk").action == "call.update"


def test_the_rubric_is_set_through_the_review_services(client, root, plan):
    call = factories.open_call(plan)
    form = {
        "call": call.pk,
        "code": "security",
        "label_ja": "安全性",
        "label_en": "Security",
        "weight": "0",
        "max_score": "5",
    }
    before = _records()
    refused = client.post(_url(Criterion, "set"), form, **EN)
    assert refused.status_code == 400
    assert "Between 1 and 100." in refused.content.decode()
    assert not call.criteria.exists() and _records() == before

    assert client.post(_url(Criterion, "set"), {**form, "weight": "2"}).status_code == 302
    assert call.criteria.get(code="security").weight == 2
    assert _records() == before + 1

    criterion = call.criteria.get(code="security")
    url = _url(Criterion, "edit", criterion.pk)
    assert client.post(url, {**form, "weight": "3"}).status_code == 302
    criterion.refresh_from_db()
    assert criterion.weight == 3 and _records() == before + 2

    response = client.post(
        _url(Criterion, "changelist"), {"action": "remove", ACTION_CHECKBOX_NAME: [criterion.pk]}
    )
    assert response.status_code == 302
    assert not Criterion.objects.filter(pk=criterion.pk).exists()
    assert _records() == before + 3
    assert AuditRecord.objects.latest("pk").action == "review.remove_criterion"


def test_a_conflict_is_declared_through_declare_conflict(client, root):
    reviewer = factories.reviewer()
    org = factories.organisation()
    url = _url(ConflictDeclaration, "declare")
    before = _records()
    refused = client.post(url, {"reviewer": reviewer.pk, "organisation": org.pk}, **EN)
    assert refused.status_code == 400
    assert "Give the reason for the conflict." in refused.content.decode()
    assert not ConflictDeclaration.objects.exists() and _records() == before

    done = client.post(url, {"reviewer": reviewer.pk, "organisation": org.pk, "reason": "advisor"})
    assert done.status_code == 302
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.reviewer, declaration.organisation, declaration.declared_by) == (
        reviewer,
        org,
        root,
    )
    assert _records() == before + 1
    assert AuditRecord.objects.latest("pk").action == "review.declare_conflict"


def test_the_reviewer_pool_is_kept_through_the_review_services(client, root):
    profile = ReviewerProfile.objects.get(user=factories.reviewer())
    before = _records()
    response = client.post(
        _url(ReviewerProfile, "changelist"),
        {"action": "take_out_of_pool", ACTION_CHECKBOX_NAME: [profile.pk]},
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.active is False
    assert _records() == before + 1
    assert AuditRecord.objects.latest("pk").action == "review.reviewer_pool"


def test_a_benchmark_is_defined_through_define_benchmark(client, root):
    url = _url(Benchmark, "define")
    before = _records()
    refused = client.post(url, {"name": " "}, **EN)
    assert refused.status_code == 400
    assert escape("Name the benchmark (at most 100 characters).") in refused.content.decode()
    assert not Benchmark.objects.exists() and _records() == before
    assert client.post(url, {"name": "JGLUE", "higher_is_better": "on"}).status_code == 302
    assert Benchmark.objects.get().higher_is_better is True
    assert _records() == before + 1
    assert AuditRecord.objects.latest("pk").action == "compute.benchmark_define"
