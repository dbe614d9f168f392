"""kikin.core.compiled: a queryset compiled once gives what the queryset gives, value by value."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from tests import factories as f

from kikin.calls.models import Call, Proposal
from kikin.core.compiled import CompiledQuery

pytestmark = pytest.mark.django_db

PK = -918_273_600


def shape(pk: int, title: str):
    return (
        Proposal.objects.select_related("call__program", "theme__item", "organisation")
        .annotate(
            in_call=Exists(
                Call.themes.through.objects.filter(
                    call_id=OuterRef("call_id"), theme_id=OuterRef("theme_id")
                )
            ),
            lines=Count("budget_lines"),
        )
        .prefetch_related("budget_lines", "team")
        .filter(pk=pk)
        .exclude(title=title)
        .order_by()
    )


@pytest.fixture
def proposals(plan):
    call = f.open_call(plan)
    actor = f.applicant()
    return [f.complete_proposal(actor, call, title=f"提案 {i}") for i in range(3)]


def described(p: Proposal) -> dict:
    """Everything a reader of the object gets without another query."""
    return {
        "fields": {k: v for k, v in p.__dict__.items() if not k.startswith("_")},
        "call": p.call.__dict__ | {"_state": None},
        "program": p.call.program.code,
        "theme": (p.theme.code, p.theme.item.number),
        "organisation": p.organisation.name_ja,
        "budget": [(b.fiscal_year, b.requested_yen) for b in p.budget_lines.all()],
        "team": [(m.name, m.is_lead) for m in p.team.all()],
    }


def test_each_value_gives_what_the_queryset_gives_in_as_many_statements(proposals):
    compiled = CompiledQuery(shape, pk=PK, title="\x00placeholder")
    for p in proposals:
        expected = list(shape(p.pk, "どれでもない題名"))
        with CaptureQueriesContext(connection) as orm:
            expected = list(shape(p.pk, "どれでもない題名"))
            seen = [described(x) for x in expected]
        with CaptureQueriesContext(connection) as ours:
            got = compiled.fetch(pk=p.pk, title="どれでもない題名")
            assert [described(x) for x in got] == seen
        assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in orm.captured_queries]
        assert got[0].pk == p.pk and got[0].in_call is True and got[0].lines == 3
    # The other value is used too: the title now excludes the proposal.
    assert compiled.fetch(pk=proposals[0].pk, title=proposals[0].title) == []


@pytest.mark.django_db(transaction=True)
def test_select_for_update_still_needs_a_transaction(proposals):
    """As the queryset does (where the database locks rows at all: not SQLite)."""
    locked = CompiledQuery(
        lambda pk: Proposal.objects.select_for_update().filter(pk=pk).order_by(), pk=PK
    )
    with transaction.atomic():
        assert [p.pk for p in locked.fetch(pk=proposals[1].pk)] == [proposals[1].pk]
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            locked.fetch(pk=proposals[1].pk)
        with pytest.raises(TransactionManagementError):
            list(Proposal.objects.select_for_update().filter(pk=proposals[1].pk))


def test_a_placeholder_must_reach_the_sql_once_and_every_value_be_given(proposals):
    twice = CompiledQuery(lambda pk: Proposal.objects.filter(pk=pk, organisation_id=pk), pk=PK)
    with pytest.raises(ValueError, match="2 times"):
        twice.fetch(pk=proposals[0].pk)
    unused = CompiledQuery(lambda pk: Proposal.objects.all(), pk=PK)
    with pytest.raises(ValueError, match="0 times"):
        unused.fetch(pk=proposals[0].pk)
    compiled = CompiledQuery(lambda pk: Proposal.objects.filter(pk=pk), pk=PK)
    with pytest.raises(TypeError):
        compiled.fetch(id=proposals[0].pk)
    with pytest.raises(TypeError, match="pk must be a int, not str"):
        compiled.fetch(pk=str(proposals[0].pk))
    with pytest.raises(ValueError):
        CompiledQuery(lambda: Proposal.objects.all())


def test_a_date_reaches_the_sql_in_the_backends_form(plan):
    """The theme's terms on a date (programs.selectors, compiled when the theme's item is read):
    the same terms as the queryset finds, on every date around each plan revision."""
    from kikin.programs.models import PlanRevision, Theme
    from kikin.programs.selectors import terms_in_force

    dates = sorted(set(PlanRevision.objects.values_list("effective_date", flat=True)))
    probes = {d + dt.timedelta(days=k) for d in dates for k in (-1, 0, 1)}
    themes = list(Theme.objects.select_related("item", "parent").order_by("pk")[:15])
    assert themes and len(dates) >= 2
    for theme in themes:
        bare = Theme.objects.get(pk=theme.pk)  # its item not read: the queryset's path
        for on in sorted(probes):
            compiled, plain = terms_in_force(theme, on), terms_in_force(bare, on)
            assert (compiled.basis, getattr(compiled.terms, "pk", None)) == (
                plain.basis,
                getattr(plain.terms, "pk", None),
            ), (theme.code, on)


def test_rows_attached_read_as_prefetched_rows_do(proposals):
    from kikin.calls.models import BudgetLine
    from kikin.core.compiled import attach_rows

    lines = CompiledQuery(lambda pk: BudgetLine.objects.filter(proposal_id=pk), pk=PK)
    p = Proposal.objects.get(pk=proposals[2].pk)
    attach_rows(p, "budget_lines", lines.fetch(pk=p.pk))
    prefetched = Proposal.objects.prefetch_related("budget_lines").get(pk=p.pk)
    with CaptureQueriesContext(connection) as ctx:
        ours = [(b.pk, b.fiscal_year, b.requested_yen) for b in p.budget_lines.all()]
        assert all(b.proposal is p for b in p.budget_lines.all())
    assert ctx.captured_queries == []
    assert ours == [(b.pk, b.fiscal_year, b.requested_yen) for b in prefetched.budget_lines.all()]
    assert len(ours) == 3
    # A new question about the rows still asks the database, about this proposal's rows only.
    first_year = ours[0][1]
    assert list(p.budget_lines.filter(fiscal_year=first_year).values_list("pk", flat=True)) == [
        ours[0][0]
    ]
