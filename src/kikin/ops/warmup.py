"""A web process made ready before it serves its first request.

Loaded lazily, the URLconf (every view, the API's schemas), the templates and the translation
catalogues cost a new process about a second of CPU spread over its first requests — at a
deadline, exactly when requests queue. `warm_up` does that work up front. gunicorn loads the
application once in its master (`preload_app`, src/kikin/gunicorn.conf.py) and forks every
worker from it, so a worker started at boot, renewed after `max_requests`, or replacing one
that died under load serves at once.

It opens no database connection and leaves none open: a connection (or a pool) made before
the fork would be shared by every worker.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)

#: The project's own templates are compiled (Django's and third-party apps' stay lazy).
PROJECT = Path(__file__).resolve().parent.parent


def _template_names() -> list[str]:
    from django.template import engines
    from django.template.utils import get_app_template_dirs

    engine = engines["django"].engine
    names = set()
    for directory in [*map(Path, engine.dirs), *get_app_template_dirs("templates")]:
        if PROJECT not in directory.resolve().parents:
            continue
        for path in directory.rglob("*.html"):
            names.add(path.relative_to(directory).as_posix())
    return sorted(names)


def warm_up() -> dict:
    """Import the URLconf, compile the project's templates into the cached loader, load each
    language's catalogue; close any database connection or pool. Returns what it did."""
    from django.conf import settings
    from django.db import connections
    from django.template import TemplateSyntaxError, engines
    from django.urls import get_resolver
    from django.utils import translation

    started = time.perf_counter()
    try:
        resolver = get_resolver()
        _ = resolver.reverse_dict  # imports every URLconf and view, and builds the reverse table
        engine = engines["django"]
        compiled = 0
        for name in _template_names():
            try:
                engine.get_template(name)
                compiled += 1
            except TemplateSyntaxError:  # a fragment meant to be included by another engine
                log.debug("template %s not compiled", name)
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                translation.gettext("Log in")
    finally:
        # Whatever happened above, nothing is left open for the forked workers to share.
        for alias in connections:
            connection = connections[alias]
            connection.close()
            # PostgreSQL's pools are per process (a class attribute, made on first use): close
            # one only if it was made, since asking for it makes it.
            if alias in getattr(type(connection), "_connection_pools", {}):
                connection.close_pool()
    return {
        "url_patterns": len(resolver.url_patterns),
        "templates": compiled,
        "seconds": round(time.perf_counter() - started, 2),
    }
