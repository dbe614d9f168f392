"""Numbers that count up without making concurrent writers wait for each other.

A number taken from a counter row (UPDATE … SET last = last + 1) holds that row's lock until
the taking transaction commits. A receipt number taken that way made every submission of a
call queue behind the one before it, to the end of its request: at a deadline, two hundred
applicants submitting together waited for each other one by one.

On PostgreSQL each counter is a SEQUENCE: `nextval` neither blocks nor waits for the commit.
The price is PostgreSQL's: a transaction that takes a number and then rolls back (a server
killed in the middle of a submission) leaves that number unused, a gap; a number is never
given twice. Elsewhere (SQLite, the demo's database, which has one writer at a time anyway)
the caller's counter row is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
#: Sequences this process knows to exist (added once the creating transaction committed).
_known: set[str] = set()


def next_value(name: str, *, start: Callable[[], int], fallback: Callable[[], int]) -> int:
    """The next number of the counter `name` (lower-case letters, digits, underscores).

    `start()` gives the first number when PostgreSQL's sequence is created (so that numbers
    given before it existed are not given again); `fallback()` takes the next number from a
    counter row on other databases.
    """
    if connection.vendor != "postgresql":
        return fallback()
    if not _NAME.match(name):
        raise ValueError(f"not a counter name: {name!r}")
    sequence = f"kikin_seq_{name}"
    with connection.cursor() as cursor:
        if sequence not in _known:
            first = max(int(start()), 1)
            try:
                # A savepoint: another transaction creating the same sequence at the same
                # moment makes this CREATE fail once that one commits; then it exists.
                with transaction.atomic():
                    cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence} START {first}")
            except DatabaseError:
                pass
            transaction.on_commit(lambda: _known.add(sequence))
        cursor.execute("SELECT nextval(%s)", [sequence])
        return int(cursor.fetchone()[0])
