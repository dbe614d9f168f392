"""The search index over datasets, proposals and adopted themes, in Japanese and English.

Words are cut by SudachiPy through the project's own tokeniser (`kikin.solvers.affinity.tokenize`:
Latin words lower-cased with a light plural stemmer, Japanese in split mode C with the mode-B
sub-units of compounds, normalised forms, particles and symbols dropped). On PostgreSQL an
entry keeps its tokens as a tsvector under the ``simple`` configuration (no further stemming: the tokens are already normalised) with a GIN index, and a
query is matched with ``plainto_tsquery`` (every word must appear) and ranked with ``ts_rank``.
On SQLite (the demo's database) the tokens are kept as text and matched word by word with
LIKE.

A query is cut in split mode B without sub-units, so that each of its words is one the index
holds for a text containing it (大規模言語モデル is indexed as itself and as 大規模 / 言語 / モデル;
the query 言語モデル becomes 言語 + モデル).

The index is a cache of the things' words: datasets are indexed by their services; proposals and
published adoptions by signal handlers after their transaction commits (a draft's autosave
re-indexes it); `rebuild` re-creates every entry.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import Func, Value
from django.db.models.signals import post_save
from django.utils import timezone

from kikin.solvers.affinity import tokenize

from .models import SearchEntry, SearchKind

logger = logging.getLogger(__name__)

#: Leading characters of a description kept as the entry's summary.
SUMMARY_CHARS = 200


def index_tokens(*texts: str) -> str:
    """The words of `texts` for the index (C + B sub-units), one space apart."""
    words: list[str] = []
    for text in texts:
        if text:
            words.extend(tokenize(text))
    return " ".join(words)


def query_tokens(text: str) -> list[str]:
    """The distinct words of a query (mode B, no sub-units), in order."""
    seen: dict[str, None] = {}
    for word in tokenize(text or "", mode="B", subunit_mode=None):
        seen.setdefault(word, None)
    return list(seen)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _save(kind: str, object_id: int, **values) -> None:
    """Create or replace one entry. On PostgreSQL the tokens go straight into the tsvector (the
    row stays narrow and is written once); elsewhere they are kept as text."""
    values["updated_at"] = timezone.now()
    if is_postgresql():
        tokens = values.pop("tokens")
        values["tokens"] = ""
        values["vector"] = Func(
            Value(tokens), function="to_tsvector", template="to_tsvector('simple', %(expressions)s)"
        )
    SearchEntry.objects.update_or_create(kind=kind, object_id=object_id, defaults=values)


def _remove(kind: str, object_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()


def dataset_entry_values(dataset) -> dict:
    """The entry of a dataset (public once published; a draft is its managers' and the staff's)."""
    return {
        "program_id": dataset.program_id,
        "organisation_id": dataset.organisation_id,
        "public": dataset.state == "published",
        "title": dataset.title_ja[:500],
        "title_en": dataset.title_en[:500],
        "summary": (dataset.description_ja or dataset.description_en)[:SUMMARY_CHARS],
        "key": dataset.identifier,
        "tokens": index_tokens(
            dataset.title_ja,
            dataset.title_en,
            dataset.description_ja,
            dataset.description_en,
            " ".join(dataset.subjects or []),
            " ".join(c.get("name", "") + " " + c.get("name_en", "") for c in dataset.creators),
            dataset.publisher,
        ),
    }


def index_dataset(dataset) -> None:
    if dataset.state == "withdrawn":
        _remove(SearchKind.DATASET, dataset.pk)
        return
    _save(SearchKind.DATASET, dataset.pk, **dataset_entry_values(dataset))


def index_proposal(proposal) -> None:
    """A proposal's entry: never public; `selectors.search` shows it to those who may read it."""
    _save(
        SearchKind.PROPOSAL,
        proposal.pk,
        program_id=proposal.call.program_id,
        organisation_id=proposal.organisation_id,
        public=False,
        title=(proposal.title or "")[:500],
        title_en="",
        summary=(proposal.abstract or "")[:SUMMARY_CHARS],
        key=proposal.receipt_number or "",
        tokens=index_tokens(proposal.title, proposal.abstract, proposal.plan),
    )


def index_adoption(decision) -> None:
    """A published adoption (public): the adopted proposal's title, theme and organisation."""
    proposal = decision.proposal
    if decision.published_at is None or proposal.state != "adopted":
        _remove(SearchKind.ADOPTION, proposal.pk)
        return
    theme, org = proposal.theme, proposal.organisation
    _save(
        SearchKind.ADOPTION,
        proposal.pk,
        program_id=proposal.call.program_id,
        organisation_id=proposal.organisation_id,
        public=True,
        title=(proposal.title or "")[:500],
        title_en=theme.title_en[:500],
        summary=f"{theme.title_ja} · {org.name_ja}"[:SUMMARY_CHARS],
        key=proposal.receipt_number or "",
        tokens=index_tokens(
            proposal.title,
            proposal.abstract,
            theme.title_ja,
            theme.title_en,
            org.name_ja,
            org.name_en,
        ),
    )


#: The proposal's columns its entry is made of.
INDEXED_PROPOSAL_FIELDS = frozenset(
    {"title", "abstract", "plan", "organisation", "organisation_id", "call", "call_id"}
)


#: Proposal states entered only from a draft or a submitted proposal (calls.workflow): no
#: decision can exist yet, so there is no adoption to re-index (a submission skips that read).
BEFORE_ANY_DECISION = frozenset({"draft", "submitted"})


def _on_proposal_saved(sender, instance, update_fields=None, **kwargs):
    """Re-index after the commit, and only what a save may have changed: a save of named
    columns (a submission's receipt number, a state) leaves the entry's texts as they were, so
    the receipt number is set as the entry's key and a new state re-reads only the adoption's
    entry, without tokenising the proposal's texts again (a deadline brings hundreds of
    submissions together)."""
    pk = instance.pk
    if update_fields is not None and not set(update_fields) & INDEXED_PROPOSAL_FIELDS:
        touched = set(update_fields)
        if "receipt_number" in touched:
            key = instance.receipt_number or ""
            transaction.on_commit(lambda: _set_key(SearchKind.PROPOSAL, pk, key))
        if "state" in touched and instance.state not in BEFORE_ANY_DECISION:
            transaction.on_commit(lambda: _reindex_adoption(pk))
        return
    transaction.on_commit(lambda: _reindex_proposal(pk))


def _reindex_adoption(pk: int) -> None:
    from kikin.review.models import Decision

    try:
        decision = (
            Decision.objects.select_related(
                "proposal__call", "proposal__theme", "proposal__organisation"
            )
            .filter(proposal_id=pk)
            .first()
        )
        if decision is not None:
            index_adoption(decision)
    except Exception:
        logger.exception("search index: adoption of proposal %s not re-indexed", pk)


def _set_key(kind: str, object_id: int, key: str) -> None:
    try:
        SearchEntry.objects.filter(kind=kind, object_id=object_id).update(key=key)
    except Exception:
        logger.exception("search index: key of %s %s not set", kind, object_id)


def _reindex_proposal(pk: int) -> None:
    """Runs after the proposal's own transaction: a failure here is logged and leaves the index
    stale (`rebuild` mends it), never the saved proposal."""
    from kikin.calls.models import Proposal

    try:
        proposal = Proposal.objects.select_related("call").filter(pk=pk).first()
        if proposal is not None:
            index_proposal(proposal)
            decision = getattr(proposal, "decision", None)
            if decision is not None:
                index_adoption(decision)
    except Exception:
        logger.exception("search index: proposal %s not re-indexed", pk)


def _on_decision_saved(sender, instance, **kwargs):
    pk = instance.proposal_id
    transaction.on_commit(lambda: _reindex_proposal(pk))


def connect_signals() -> None:
    from kikin.calls.models import Proposal
    from kikin.review.models import Decision

    post_save.connect(_on_proposal_saved, sender=Proposal, dispatch_uid="search-proposal")
    post_save.connect(_on_decision_saved, sender=Decision, dispatch_uid="search-decision")


def rebuild(*, since: dt.datetime | None = None) -> dict[str, int]:
    """Re-create every entry (or those of things changed since `since`, for datasets)."""
    from kikin.calls.models import Proposal
    from kikin.review.models import Decision

    from .models import Dataset

    counts = {"dataset": 0, "proposal": 0, "adoption": 0}
    datasets = Dataset.objects.all()
    if since is not None:
        datasets = datasets.filter(modified_at__gte=since)
    for d in datasets.iterator(chunk_size=2000):
        index_dataset(d)
        counts["dataset"] += 1
    for p in Proposal.objects.select_related("call").iterator(chunk_size=2000):
        index_proposal(p)
        counts["proposal"] += 1
    for d in Decision.objects.select_related(
        "proposal__call", "proposal__theme", "proposal__organisation"
    ).iterator(chunk_size=2000):
        index_adoption(d)
        counts["adoption"] += 1
    return counts
