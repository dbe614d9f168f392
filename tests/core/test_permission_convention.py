"""One permission convention everywhere (issue 12, item 4).

(a) No view and no template compares role names: they ask a predicate of an app's
    `permissions.py` (in a template, `{% load perms %}`'s `allowed`).
(b) Every public predicate of every app's `permissions.py` answers an `Answer` (called with each
    demo role and a representative object), and is registered for the templates.
(c) The template tag and filter give the same answer as the predicate, for each demo role.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.template import Context, Template, TemplateSyntaxError
from django.utils.html import escape

from kikin.core.permissions import REGISTRY, Answer, allow, deny, require

SRC = Path(__file__).resolve().parents[2] / "src" / "kikin"
ROLE_NAMES = "ministry|agency|reviewer|applicant"

# A role compared in Python: `x.role == …`, `… in {Role.X, …}`, `getattr(u, "role") …`.
PY_ROLE_COMPARISON = re.compile(
    r"\.role\s*(==|!=|\bnot in\b|\bin\b)"
    r"|(==|!=)\s*Role\.\w+"
    r"|\b(not\s+)?in\s*[\[({]\s*Role\.\w+"
    r"|\bin\s+STAFF\b"
    r'|getattr\([^)]*["\']role["\']'
    rf'|(==|!=)\s*["\']({ROLE_NAMES})["\']'
)
# A role compared in a template: `user.role == "agency"`, `request.user.role in …`.
TEMPLATE_ROLE_COMPARISON = re.compile(
    rf'user\.role\s*(==|!=|\bin\b|\bnot in\b)|(==|!=)\s*["\']({ROLE_NAMES})["\']\s*%\}}'
    r"|(==|!=)\s*user\.role"
)


def _views() -> list[Path]:
    """Every module that answers requests: the apps' views and the API's routers."""
    views = [p for p in SRC.rglob("*views.py") if "migrations" not in p.parts]
    return sorted(views + list((SRC / "api" / "routers").glob("*.py")))


def _templates() -> list[Path]:
    return sorted(SRC.rglob("*.html"))


def _offences(paths, pattern) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(SRC.parent)}:{number}: {line.strip()[:120]}")
    return found


def test_views_do_not_compare_roles():
    offences = _offences(_views(), PY_ROLE_COMPARISON)
    assert not offences, "Ask a permissions.py predicate instead:\n" + "\n".join(offences)


def test_templates_do_not_compare_roles():
    offences = _offences(_templates(), TEMPLATE_ROLE_COMPARISON)
    assert not offences, 'Use {% allowed "app.predicate" … %} instead:\n' + "\n".join(offences)


def test_the_scanner_finds_what_it_should():
    for line in (
        "if request.user.role == Role.AGENCY:",
        "if user.role not in {Role.MINISTRY, Role.AGENCY}:",
        'ok = getattr(user, "role", None) == Role.MINISTRY',
        "if request.user.role not in STAFF:",
    ):
        assert PY_ROLE_COMPARISON.search(line), line
    for line in ("User.objects.filter(role=Role.REVIEWER)", '"role": _column(posted, "team_role")'):
        assert not PY_ROLE_COMPARISON.search(line), line
    assert TEMPLATE_ROLE_COMPARISON.search('{% if user.role == "agency" %}')
    assert TEMPLATE_ROLE_COMPARISON.search(
        '{% if user.is_authenticated and user.role != "reviewer" %}'
    )
    assert not TEMPLATE_ROLE_COMPARISON.search('{% if p.role == "joint" %}selected{% endif %}')


# ---------------------------------------------------------------------------------------------
# The predicates


def _permission_modules():
    names = sorted(p.parent.name for p in SRC.glob("*/permissions.py") if p.parent.name != "core")
    return {name: importlib.import_module(f"kikin.{name}.permissions") for name in names}


def _predicates():
    """Every public function defined in an app's permissions.py but its declared helpers."""
    found = {}
    for app, module in _permission_modules().items():
        helpers = getattr(module, "HELPERS", frozenset())
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or func.__module__ != module.__name__ or name in helpers:
                continue
            found[f"{app}.{name}"] = func
    return found


def test_the_answer_is_a_truthy_pair():
    ok, why = allow()
    assert ok is True and why == "" and allow()
    refused = deny("No.")
    assert not refused and refused == (False, "No.") and refused.reason == "No."
    assert [a for a in (allow(), refused) if a] == [allow()]
    with pytest.raises(PermissionDenied, match="No"):
        require(refused)
    require(allow())


def test_every_predicate_is_registered_for_the_templates():
    predicates = _predicates()
    assert predicates, "no predicate found"
    missing = sorted(set(predicates) - set(REGISTRY))
    assert not missing, f"not registered with @predicate: {missing}"
    for name, func in predicates.items():
        assert REGISTRY[name] is func, name


DEMO_ROLES = ("ministry", "officer", "reviewer", "applicant", "anonymous")


@pytest.fixture
def world(db):
    """The demo (its users, call, award, datasets and challenges) and one object of each kind a
    predicate asks about."""
    from kikin.accounts.models import User
    from kikin.awards.models import Award
    from kikin.calls.models import Attachment, Call, CallDocument, Proposal
    from kikin.challenges.models import Challenge, Stage, Submission, Team
    from kikin.compliance.models import ConsultationState, PriorConsultation
    from kikin.datasets.models import DataPlatform, Dataset
    from kikin.programs.models import Program

    for command in ("load_plan", "load_budget_frames", "load_demo"):
        call_command(command, verbosity=0)
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_ROLES)}
    users["anonymous"] = AnonymousUser()
    assert set(users) == set(DEMO_ROLES), sorted(users)
    proposal = Proposal.objects.order_by("pk").first()
    award = Award.objects.order_by("pk").first()
    team = Team.objects.order_by("pk").first()
    return {
        "users": users,
        "objects": {
            "proposal": proposal,
            "attachment": Attachment(proposal=proposal, original_name="plan.pdf", sha256="0" * 64),
            "call": Call.objects.order_by("pk").first(),
            "document": CallDocument.objects.order_by("pk").first(),  # the demo call's guidelines
            "award": award,
            "consultation": PriorConsultation(award=award, state=ConsultationState.SENT),
            "team": team,
            "stage": Stage.objects.filter(challenge=team.challenge).order_by("pk").first(),
            "challenge": Challenge.objects.order_by("pk").first(),
            "submission": Submission.objects.order_by("pk").first(),
            "dataset": Dataset.objects.order_by("pk").first(),
            "platform": DataPlatform.objects.order_by("pk").first(),
            "program": Program.objects.order_by("pk").first(),
            "kind": "proposals",
            # What the inbox's and the jobs' predicates read of a notification and a job.
            "notification": SimpleNamespace(recipient_id=users["applicant"].pk),
            "job": SimpleNamespace(requested_by_id=users["applicant"].pk),
        },
    }


def _arguments(func, world, user):
    params = list(inspect.signature(func).parameters)
    assert params and params[0] == "user", f"{func.__qualname__}: the first argument is the user"
    args = [user]
    for name in params[1:]:
        assert name in world["objects"], f"{func.__module__}.{func.__name__}: no example {name!r}"
        value = world["objects"][name]
        assert value is not None, f"the demo has no {name}"
        args.append(value)
    return args


def test_every_predicate_answers_an_answer(world):
    wrong = []
    for name, func in _predicates().items():
        for role, user in world["users"].items():
            result = func(*_arguments(func, world, user))
            if not isinstance(result, Answer):
                wrong.append(f"{name} for {role}: {result!r}")
            elif not result.allowed and not str(result.reason).strip():
                wrong.append(f"{name} for {role}: refused without a reason")
            elif result.allowed and result.reason:
                wrong.append(f"{name} for {role}: allowed with a reason")
    assert not wrong, "\n".join(wrong)


def test_the_tag_answers_as_the_predicate(world):
    for name, func in _predicates().items():
        for role, user in world["users"].items():
            args = _arguments(func, world, user)
            expected = func(*args)
            names = [f"a{i}" for i in range(len(args))]
            context = Context(dict(zip(names, args, strict=True)))
            tag = Template(
                '{% load perms %}{% allowed "' + name + '" ' + " ".join(names) + " as ok %}"
                "{{ ok.allowed }}|{{ ok.reason }}|{% if ok %}yes{% else %}no{% endif %}"
            ).render(context)
            want = f"{expected.allowed}|{escape(expected.reason)}|{'yes' if expected else 'no'}"
            assert tag == want, (name, role)
            if len(args) == 1:
                filtered = Template(
                    '{% load perms %}{% if a0|allowed:"' + name + '" %}yes{% else %}no{% endif %}'
                ).render(context)
                assert filtered == ("yes" if expected else "no"), (name, role)


def test_the_tag_reaches_only_registered_predicates():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load perms %}{% allowed "os.system" "true" as ok %}').render(Context())
    with pytest.raises(TemplateSyntaxError):
        Template('{% load perms %}{{ user|allowed:"accounts.require_role" }}').render(
            Context({"user": AnonymousUser()})
        )
