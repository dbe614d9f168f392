"""Two app servers and a worker behind no shared memory: gunicorn A and B (production settings,
each on a free loopback port, PostgreSQL through their own pools, sessions and cache in Redis,
files in one shared store) and a Celery worker on RabbitMQ. One implementer's journey moves
between the two servers: log in on A, save a draft on B, upload on A, read it back on B, ask
for a notice on A (a background job), find it done and download it on B."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import secrets
import sys
import urllib.parse
import urllib.request
import uuid

import pytest
from django.utils import timezone

from kikin.awards import services as awards
from kikin.calls.models import Attachment, Proposal
from kikin.jobs.models import Job
from kikin.outcomes.models import Assessment, AssessmentKind, AssessmentState
from tests import factories as f
from tests import runtime
from tests.security.files import tiny_pdf

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PDF = tiny_pdf(secrets.token_hex(1000))


def redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        pytest.skip(f"no Redis at {url}: {exc}")


class Browser:
    """A person's browser: one cookie jar for both servers (cookies belong to the host, not
    the port), no automatic redirects, so that each answer is seen."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def open(self, url: str, data: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as exc:  # 3xx and 4xx come back as errors here
            response = exc
        response.body = response.read()
        return response

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def post(self, url: str, fields: dict, *, files: dict | None = None, referer: str = ""):
        # As a rendered form: the CSRF token and a fresh form key (kikin.core.idempotency).
        fields = {"form_key": uuid.uuid4().hex, **fields, "csrfmiddlewaretoken": self.csrf()}
        headers = {"Referer": referer or url}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                )
            for name, (filename, content, ctype) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
                    + content
                    + b"\r\n"
                )
            parts.append(f"--{boundary}--\r\n".encode())
            data = b"".join(parts)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            data = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.open(url, data, headers)


def start_web(tmp_path, name: str, port: int, env: dict) -> runtime.Process:
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(runtime.ROOT / "src" / "kikin" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "2",
    ]
    return runtime.Process(f"server {name}", args, env, tmp_path / f"web-{name}.log")


@pytest.fixture
def cluster(tmp_path):
    runtime.postgresql_or_skip()
    runtime.broker_or_skip()
    redis_url = "redis://127.0.0.1:6379/0"
    redis_or_skip(redis_url)
    store = tmp_path / "store"
    store.mkdir()
    with runtime.queue_of_our_own() as queue:
        env = runtime.process_env(
            KIKIN_ENV="production",
            KIKIN_SECRET_KEY=secrets.token_urlsafe(50),
            KIKIN_HTTPS="0",
            KIKIN_ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=runtime.database_url(),
            KIKIN_DB_POOL_MAX="3",
            KIKIN_BROKER_URL=runtime.BROKER_URL,
            KIKIN_QUEUE=queue,
            KIKIN_REDIS_URL=redis_url,
            KIKIN_CACHE_PREFIX=f"kikin-test-{uuid.uuid4().hex[:8]}",
            KIKIN_MEDIA_ROOT=store,
            KIKIN_HOME=tmp_path,
        )
        env["DJANGO_SETTINGS_MODULE"] = "kikin.settings"
        env.pop("KIKIN_JOBS_EAGER")
        ports = runtime.free_port(), runtime.free_port()
        procs = [
            start_web(tmp_path, name, port, env) for name, port in zip("AB", ports, strict=True)
        ]
        worker_args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kikin",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{queue}@%h",
        ]
        procs.append(runtime.Process("worker", worker_args, env, tmp_path / "worker.log"))
        try:
            for p, port in zip(procs, ports, strict=False):
                runtime.wait_for(lambda port=port: _up(port), timeout=90, what=p.name, process=p)
            runtime.wait_for(
                lambda: "ready." in procs[2].output(),
                timeout=90,
                what="the worker",
                process=procs[2],
            )
            yield {
                "A": f"http://127.0.0.1:{ports[0]}",
                "B": f"http://127.0.0.1:{ports[1]}",
                "procs": procs,
                "store": store,
            }
        finally:
            for p in procs:
                p.stop()


def _up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def test_one_journey_moves_between_two_app_servers(cluster, plan):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    # An implementer with a decided refund notice, and a draft proposal in a new call.
    proposal, app, _ministry, agency = f.adopted(plan)
    award = awards.create_award(actor=agency, proposal=proposal)
    now = timezone.now()
    assessment = Assessment.objects.create(
        award=award,
        kind=AssessmentKind.REFUND,
        fiscal_year=award.start_date.year + 7,
        due_yen=600_000_000,
        amount_yen=600_000_000,
        state=AssessmentState.DECIDED,
        number=f"RF-{award.start_date.year + 7}-00001",
        computed_by=agency,
        computed_at=now,
        decided_by=agency,
        decided_at=now,
        pay_by=dt.date(award.start_date.year + 7, 9, 30),
    )
    draft = f.complete_proposal(app, f.open_call(plan), title="最初の題名")
    app.password = PBKDF2PasswordHasher().encode("pw", PBKDF2PasswordHasher().salt())
    app.save(update_fields=["password"])
    A, B = cluster["A"], cluster["B"]
    me = Browser()

    # Log in on A.
    me.open(f"{A}/accounts/login/")
    login = me.post(f"{A}/accounts/login/", {"username": app.username, "password": "pw"})
    assert login.status == 302, login.body[:300]
    # Save a draft on B (as the page's autosave does).
    edit = me.open(f"{B}/proposals/{draft.pk}/edit/")
    assert edit.status == 200 and "最初の題名" in edit.body.decode()
    saved = me.post(f"{B}/proposals/{draft.pk}/edit/", {"title": "二台目で保存した題名"})
    assert saved.status == 302, saved.body[:500]
    assert Proposal.objects.get(pk=draft.pk).title == "二台目で保存した題名"
    # Upload on A; read it back on B.
    up = me.post(
        f"{A}/proposals/{draft.pk}/attachments/",
        {},
        files={"attachment": ("計画書.pdf", PDF, "application/pdf")},
    )
    assert up.status == 302
    attachment = Attachment.objects.get(proposal=draft)
    back = me.open(f"{B}/proposals/{draft.pk}/attachments/{attachment.pk}/")
    assert back.status == 200 and back.body == PDF
    assert (cluster["store"] / attachment.file.name).read_bytes() == PDF  # in the shared store
    # Ask for the notice on A: a background job; its page on B shows it done; download on B.
    asked = me.open(f"{A}/outcomes/notices/{assessment.pk}.pdf")
    assert asked.status == 302
    job_url = urllib.parse.urljoin(A, asked.headers["Location"])
    job_id = int(re.search(r"/jobs/(\d+)/", job_url).group(1))

    def done_on_b():
        page = me.open(f"{B}/jobs/{job_id}/status/")
        assert page.status == 200
        state = re.search(r'data-state="(\w+)"', page.body.decode()).group(1)
        return state if state in {"done", "failed"} else None

    assert (
        runtime.wait_for(done_on_b, timeout=90, what="the notice job", process=cluster["procs"][2])
        == "done"
    )
    pdf = me.open(f"{B}/jobs/{job_id}/file/")
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    assert Job.objects.get(pk=job_id).requested_by == app
    # Both servers answered, each with its own request ids in its access log.
    for p in cluster["procs"][:2]:
        assert '"request_id": "' in p.output()
