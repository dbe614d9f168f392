"""Safe by default: without KIKIN_ENV the settings are production's, which refuse a missing or
public secret key and DEBUG, send secure cookies and HSTS, take the proxy header, hosts and
trusted origins from the environment, and pass `manage.py check --deploy` with no warning."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import pytest

from tests.runtime import ROOT, process_env

KEY = secrets.token_urlsafe(50)

SHOW = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name, None) for name in %r}, default=str))
"""


def production(tmp_path, **env) -> dict:
    out = process_env(KIKIN_HOME=tmp_path, **env)
    out["DJANGO_SETTINGS_MODULE"] = "kikin.settings"
    out.pop("KIKIN_JOBS_EAGER", None)
    return out


def run(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def show(env: dict, *names: str) -> dict:
    done = run(SHOW % (names,), env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "key",
    [None, "", "short", "dev-only-insecure-key-change-me-in-production-0123456789", "a" * 60],
)
def test_production_refuses_to_start_without_a_secret_key_of_its_own(tmp_path, key):
    env = production(tmp_path)
    if key is not None:
        env["KIKIN_SECRET_KEY"] = key
    done = run("import django; django.setup()", env)
    assert done.returncode != 0
    assert "refuses to start in production without its own secret key" in done.stderr


def test_production_refuses_debug(tmp_path):
    done = run(
        "import django; django.setup()", production(tmp_path, KIKIN_SECRET_KEY=KEY, KIKIN_DEBUG="1")
    )
    assert done.returncode != 0 and "KIKIN_DEBUG=1 is refused in production" in done.stderr


def test_production_defaults_are_safe(tmp_path):
    s = show(
        production(tmp_path, KIKIN_SECRET_KEY=KEY),
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "SECURE_CSP",
        "ALLOWED_HOSTS",
        "CELERY_BROKER_URL",
        "KIKIN_JOBS_EAGER",
        "KIKIN_LOG_FORMAT",
    )
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert "'self'" in s["SECURE_CSP"]["script-src"]
    assert "'unsafe-inline'" not in s["SECURE_CSP"]["script-src"]
    assert "testserver" not in s["ALLOWED_HOSTS"]
    assert s["CELERY_BROKER_URL"].startswith("amqp://") and s["KIKIN_JOBS_EAGER"] is False
    assert s["KIKIN_LOG_FORMAT"] == "json"


def test_proxy_hosts_and_origins_come_from_the_environment(tmp_path):
    s = show(
        production(
            tmp_path,
            KIKIN_SECRET_KEY=KEY,
            KIKIN_PROXY_SSL_HEADER="X-Forwarded-Proto",
            KIKIN_ALLOWED_HOSTS="kikin.example.jp, www.kikin.example.jp",
            KIKIN_CSRF_TRUSTED_ORIGINS="https://kikin.example.jp",
        ),
        "SECURE_PROXY_SSL_HEADER",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
    )
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["ALLOWED_HOSTS"] == ["kikin.example.jp", "www.kikin.example.jp"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://kikin.example.jp"]


def test_a_server_without_https_says_so_and_gets_no_secure_only_cookies(tmp_path):
    s = show(
        production(tmp_path, KIKIN_SECRET_KEY=KEY, KIKIN_HTTPS="0"),
        "SESSION_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "DEBUG",
    )
    assert s == {
        "SESSION_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_SSL_REDIRECT": False,
        "DEBUG": False,
    }


def test_the_demo_runs_without_a_key_and_without_debug(tmp_path):
    env = production(tmp_path, KIKIN_ENV="demo")
    s = show(env, "DEBUG", "CELERY_BROKER_URL", "SESSION_COOKIE_SECURE")
    assert s["DEBUG"] is False and s["CELERY_BROKER_URL"].startswith("filesystem://")
    assert s["SESSION_COOKIE_SECURE"] is False  # the demo is served over plain HTTP on loopback


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "kikin.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=production(tmp_path, KIKIN_SECRET_KEY=KEY),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
