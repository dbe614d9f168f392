"""Hypothesis strategies for what a hostile or clumsy person types into a form, and a
fingerprint of the database to show that a refused request changed nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from hypothesis import strategies as st

from .crawl import Field
from .files import docx, html_after_pdf_magic, tiny_pdf, zip_bomb

MISSING = object()

NASTY = [
    "",
    " ",
    "\u3000",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "長" * 400,
    "9" * 40,
    "-" + "9" * 40,
    "-1",
    "-1000000000000",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "32768",
    "1e400",
    "1.5",
    "NaN",
    "Infinity",
    "１２３",
    "1,000,000",
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "2027-02-30",
    "2027-04-01T25:61",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "bogus",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '=HYPERLINK("http://x")',
    "../../etc/passwd",
]

_bomb = None


def _files():
    global _bomb
    if _bomb is None:
        _bomb = zip_bomb(50)
    return [
        ("report.pdf", tiny_pdf()),
        ("fake.pdf", html_after_pdf_magic()),
        ("bomb.docx", _bomb),
        ("plan.docx", docx()),
        ("noext", b"hello"),
        ("empty.pdf", b""),
        ("x" * 300 + ".pdf", tiny_pdf()),
        ("ヌル\x00.pdf".replace("\x00", ""), b"%PDF-"),
    ]


def value_strategy(field: Field):
    """What a person may send in one field: what the form offers, or anything nasty."""
    offered = [field.default, *field.options] if (field.default or field.options) else [""]
    if field.kind == "file":
        return st.one_of(
            st.just(MISSING),
            st.sampled_from(range(len(_files()))).map(
                lambda i: SimpleUploadedFile(_files()[i][0], _files()[i][1])
            ),
        )
    base = [st.sampled_from(offered)] * 3
    base += [st.sampled_from(NASTY), st.just(MISSING)]
    if field.kind in {"text", "number", "hidden", "textarea", "select", "date"}:
        base.append(st.integers(min_value=-(2**70), max_value=2**70).map(str))
    base.append(st.text(max_size=30))
    return st.one_of(*base)


def plausible(field: Field, today: dt.date):
    """A value a careful person would send, so that a mutation of one field reaches the rules
    behind the first checks."""
    name = field.name.lower()
    if field.kind == "file":
        return SimpleUploadedFile("evidence.pdf", tiny_pdf())
    if field.kind in {"select", "radio"}:
        return next((o for o in field.options if o), field.default)
    if field.kind == "checkbox":
        return field.options[0] if field.options else "on"
    if field.default:
        return field.default
    if field.kind == "date" or name.endswith(("_on", "_date", "_from")) or name == "on":
        return today.isoformat()
    if field.kind == "datetime-local" or name.endswith("_at"):
        return f"{today.isoformat()}T10:00"
    if "fiscal_year" in name or name.endswith("_fy"):
        return str(today.year if today.month >= 4 else today.year - 1)
    if any(w in name for w in ("yen", "amount", "requested", "eligible", "hours", "price")):
        return "1000000"
    if any(w in name for w in ("percent", "ratio", "months", "load", "number", "score")):
        return "10"
    return "テスト入力"


def form_strategy(fields: dict[str, Field]):
    """Either the form filled in plausibly with one or two fields made hostile (mostly), or
    every field drawn at random."""
    names = [n for n in fields if n not in {"csrfmiddlewaretoken", "form_key"}]
    today = dt.date.today()
    seed = {n: plausible(fields[n], today) for n in names}

    def mutate(draw_pairs):
        data = dict(seed)
        for name, value in draw_pairs:
            data[name] = value
        return {k: v for k, v in data.items() if v is not MISSING}

    if names:
        mutated = st.lists(
            st.sampled_from(names).flatmap(
                lambda n: st.tuples(st.just(n), value_strategy(fields[n]))
            ),
            min_size=1,
            max_size=2,
        ).map(mutate)
    else:
        mutated = st.just({})
    random = st.fixed_dictionaries({n: value_strategy(fields[n]) for n in names}).map(
        lambda d: {k: v for k, v in d.items() if v is not MISSING}
    )
    return st.one_of(mutated, mutated, mutated, random)


def defaults(fields: dict[str, Field]) -> dict:
    """The form as the page offers it, sent unchanged (files left out)."""
    return {
        n: f.default
        for n, f in fields.items()
        if n not in {"csrfmiddlewaretoken", "form_key"} and f.kind not in {"file", "checkbox"}
    }


def with_key(data: dict) -> dict:
    return {**data, "form_key": uuid.uuid4().hex}


def tables() -> list[str]:
    models = [m for m in apps.get_models() if m.__module__.startswith("kikin.")]
    names = {m._meta.db_table for m in models}
    for m in models:  # many-to-many tables of kikin models
        for f in m._meta.many_to_many:
            names.add(f.remote_field.through._meta.db_table)
    return sorted(names)


def fingerprint(*, without: tuple[str, ...] = ()) -> str:
    """One hash of every kikin row (users, proposals, money, audit, used form keys …), but the
    tables named in `without`."""
    names = [n for n in tables() if n not in without]
    if connection.vendor == "postgresql":
        q = connection.ops.quote_name
        union = " UNION ALL ".join(
            f"SELECT '{n}' || md5(t::text) AS h FROM {q(n)} t" for n in names
        )
        with connection.cursor() as cur:
            cur.execute(f"SELECT md5(coalesce(string_agg(h, ',' ORDER BY h), '')) FROM ({union}) x")
            return cur.fetchone()[0]
    digest = hashlib.sha256()
    with connection.cursor() as cur:
        for n in names:
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(n)}")
            for row in sorted(map(repr, cur.fetchall())):
                digest.update(row.encode())
    return digest.hexdigest()
