"""The constant-queries check of a list page, shared by the apps' `test_query_counts.py`.

A page is loaded once to warm it (the first request after login may fill per-process caches),
then at a small data size and, after `grow()` has added rows, at a larger one; both loads must
answer 200, show what they should, and issue the same number of queries. On a difference the
queries of both loads are shown side by side, so that the query read per row stands out.
"""

from __future__ import annotations

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext


def _load(client, url, post):
    if post is None:
        return client.get(url)
    return client.post(url, json.dumps(post), content_type="application/json")


def measure(client, url, *, expect=(), post=None) -> tuple[int, str, list[str]]:
    """(number of queries, html, the queries) of one GET (or POST of the JSON `post`), which must
    answer 200 and show every text in `expect`."""
    with CaptureQueriesContext(connection) as ctx:
        response = _load(client, url, post)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    for text in expect:
        assert text in html, (url, text)
    return len(ctx.captured_queries), html, [q["sql"] for q in ctx.captured_queries]


def assert_constant_queries(client, url, grow, *, small=(), large=(), post=None) -> tuple[int, str]:
    """Load `url` at the data present (showing every text in `small`), call `grow()`, load it
    again (showing every text in `large`, or `large(grown)` when callable) and assert both loads
    issued as many queries. Returns (the number, the larger page's html)."""
    _load(client, url, post)  # warm-up
    n_small, _, q_small = measure(client, url, expect=small, post=post)
    grown = grow()
    expect = large(grown) if callable(large) else large
    n_large, html, q_large = measure(client, url, expect=expect, post=post)
    if n_large != n_small:
        shown = "\n".join(
            f"{i:3} {q[:200]}"
            for i, q in enumerate(q_large, 1)
            if q_large.count(q) != q_small.count(q) or q not in q_small
        )
        raise AssertionError(
            f"{url}: {n_small} queries at the small size, {n_large} at the large one; "
            f"queries of the larger load that the smaller did not issue as often:\n{shown}"
        )
    print(f"QUERY-COUNT {url} {n_small} {n_large}")
    return n_small, html
