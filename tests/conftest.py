"""Suite-wide fixtures and the CI guard.

In CI (CI=true) a test may not quietly skip because a component is missing: a skipped test is
reported as a failure, and the database must be PostgreSQL.
"""

import os
import shutil

import pytest

from tests.clients import BrowserLikeClient

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("KIKIN_CHROMIUM", "/usr/bin/chromium")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is an error here: {reason}"


@pytest.fixture(scope="session", autouse=True)
def _database_is_postgresql_in_ci(django_db_blocker):
    if IN_CI:
        from django.db import connection

        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", (
                f"CI must run on PostgreSQL (set DATABASE_URL); got {connection.vendor}"
            )
    yield


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Hashing with the production hasher costs ~0.3 s a login; the tests need no such strength."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _staff_second_factor_off():
    """Staff sign in with a second factor (kikin.accounts.second_factor). The tests of it, and
    the fuzzing of every form, turn it on (`second_factor_on` / settings); elsewhere staff are
    signed in with force_login, as if verified."""
    from django.conf import settings

    settings.KIKIN_SECOND_FACTOR_ROLES = ()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language (Japanese) and leaves it so: a test that
    renders in English (a request with Accept-Language, translation.override left open) does
    not change what the next one reads."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def second_factor_on(settings):
    settings.KIKIN_SECOND_FACTOR_ROLES = ("ministry", "agency")
    return settings


@pytest.fixture
def clock(settings):
    """Sets the fund's clock (`kikin.core.timeutil`) for one test, live servers included:
    `clock("2028-03-31")` (a whole day) or `clock(datetime)` (an instant); returns the day.
    Claims' expenses and gates cannot be dated after it, and what is open or due follows it."""
    from kikin.core import timeutil

    def set_clock(when):
        settings.KIKIN_TODAY = when
        return timeutil.today()

    return set_clock


@pytest.fixture
def plan(db):
    """The seed plan catalogue in the test database (loaded when a flush has emptied it)."""
    from kikin.programs.models import Program
    from kikin.programs.services import load_catalogue

    if not Program.objects.filter(code="post5g").exists():
        load_catalogue()
    return Program.objects.get(code="post5g")


@pytest.fixture(scope="session")
def browser():
    """Real headless Chromium from Debian, driven by Playwright (no browser download)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}: run `make system-deps`")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    p = context.new_page()
    p.set_default_timeout(15000)
    yield p
    context.close()


@pytest.fixture
def client():
    """Sends a form key with every POST, as a rendered form does (see tests/clients.py)."""
    return BrowserLikeClient()
