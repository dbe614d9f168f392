"""A web process is ready before its first request (kikin.ops.warmup; gunicorn's preload_app)."""

from django.db import connections
from django.template import engines
from django.urls import get_resolver

from kikin.ops.warmup import _template_names, warm_up


def test_warm_up_compiles_the_project_templates_and_leaves_no_connection_open():
    names = _template_names()
    assert "calls/proposal_form.html" in names and "base.html" in names
    assert "admin/change_list.html" not in names  # Django's own templates stay lazy

    done = warm_up()

    assert done["templates"] == len(names)
    assert done["url_patterns"] == len(get_resolver().url_patterns) > 10
    loader = engines["django"].engine.template_loaders[0]
    cached = getattr(loader, "get_template_cache", {})
    assert "calls/proposal_form.html" in cached and "base.html" in cached
    assert all(c.connection is None for c in connections.all(initialized_only=True))


def test_gunicorn_forks_its_workers_from_a_loaded_application():
    from pathlib import Path

    import kikin

    conf = {}
    exec((Path(kikin.__file__).parent / "gunicorn.conf.py").read_text(), conf)
    assert conf["preload_app"] is True
    assert conf["wsgi_app"] == "kikin.wsgi:application"
