"""Checksums: computed and compared on upload, re-verified on a schedule (the management command,
later the worker), external files fetched only from allowed hosts; DOIs minted at publication."""

import hashlib
import http.server
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from kikin.audit.models import AuditRecord
from kikin.datasets import services
from kikin.datasets.models import ChecksumCheck, DatasetFile, FileStatus

from .helpers import CONTENT, SHA, fields, people, published, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    return people()


def test_upload_records_the_sha256_and_checks_it(p):
    d = services.create_dataset(actor=p.manager, fields=fields("open"))
    f = services.add_file(
        actor=p.manager, dataset=d, uploaded=upload(), expected_sha256=SHA.upper()
    )
    assert f.sha256 == SHA and f.size_bytes == len(CONTENT) and f.status == FileStatus.OK
    assert f.file.read() == CONTENT
    check = ChecksumCheck.objects.get(file=f)
    assert (check.trigger, check.status, check.observed_sha256) == ("upload", "ok", SHA)
    d.refresh_from_db()
    assert d.size_bytes == len(CONTENT)


def test_an_upload_that_does_not_match_is_refused_and_nothing_stored(p, settings):
    d = services.create_dataset(actor=p.manager, fields=fields("open"))
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(ValidationError) as exc:
        services.add_file(actor=p.manager, dataset=d, uploaded=upload(), expected_sha256=wrong)
    assert "sha256" in exc.value.message_dict and SHA in exc.value.message_dict["sha256"][0]
    assert not DatasetFile.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
    with pytest.raises(ValidationError) as exc:
        services.add_file(actor=p.manager, dataset=d, uploaded=upload(), expected_sha256="abc")
    assert "sha256" in exc.value.message_dict


def test_two_files_of_one_name_are_refused(p):
    d = services.create_dataset(actor=p.manager, fields=fields("open"))
    services.add_file(actor=p.manager, dataset=d, uploaded=upload())
    with pytest.raises(ValidationError) as exc:
        services.add_file(actor=p.manager, dataset=d, uploaded=upload())
    assert "name" in exc.value.message_dict


def test_the_scheduled_check_finds_a_changed_and_a_missing_file(p):
    d = published(p.manager, "open")
    good = d.files.get()
    bad = services.add_file(actor=p.manager, dataset=d, uploaded=upload("b.csv", b"b\n"))
    gone = services.add_file(actor=p.manager, dataset=d, uploaded=upload("c.csv", b"c\n"))
    with open(bad.file.path, "wb") as out:
        out.write(b"tampered\n")
    gone.file.storage.delete(gone.file.name)
    counts = services.verify_checksums()
    assert (counts["ok"], counts["mismatch"], counts["missing"]) == (1, 1, 1)
    statuses = dict(DatasetFile.objects.values_list("name", "status"))
    assert statuses == {good.name: "ok", "b.csv": "mismatch", "c.csv": "missing"}
    failed = AuditRecord.objects.filter(action="datasets.checksum_failed")
    assert {r.after["status"] for r in failed} == {"mismatch", "missing"}
    observed = ChecksumCheck.objects.filter(file=bad, trigger="schedule").get().observed_sha256
    assert observed == hashlib.sha256(b"tampered\n").hexdigest()
    # A second run records new checks but no second audit record for an unchanged failure.
    services.verify_checksums()
    assert failed.count() == 2 and ChecksumCheck.objects.filter(file=bad).count() == 3


def test_the_command_checks_the_oldest_first_and_fails_on_a_mismatch(p, capsys):
    d = published(p.manager, "open")
    f = d.files.get()
    call_command("verify_checksums", "--limit", "10")
    assert "ok 1" in capsys.readouterr().out
    with open(f.file.path, "wb") as out:
        out.write(b"x")
    with pytest.raises(SystemExit):
        call_command("verify_checksums")


def test_progress_is_reported_per_file(p):
    d = published(p.manager, "open")
    services.add_file(actor=p.manager, dataset=d, uploaded=upload("2.csv", b"2"))
    seen = []
    services.verify_checksums(progress=lambda done, total, msg: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]


class _Files(http.server.BaseHTTPRequestHandler):
    body = CONTENT

    def do_GET(self):
        if self.path == "/missing":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_files_are_verified_only_from_allowed_hosts(p, file_server, settings):
    d = services.create_dataset(actor=p.manager, fields=fields("open"))
    settings.KIKIN_DATA_FETCH_HOSTS = ()
    f = services.add_external_file(
        actor=p.manager, dataset=d, name="", url=f"{file_server}/a.csv", sha256=SHA
    )
    assert f.status == FileStatus.NOT_FETCHED and f.name == "a.csv"
    settings.KIKIN_DATA_FETCH_HOSTS = ("127.0.0.1",)
    g = services.add_external_file(
        actor=p.manager, dataset=d, name="b.csv", url=f"{file_server}/b.csv", sha256=SHA
    )
    assert g.status == FileStatus.OK and g.size_bytes == len(CONTENT)
    with pytest.raises(ValidationError) as exc:
        services.add_external_file(
            actor=p.manager,
            dataset=d,
            name="c.csv",
            url=f"{file_server}/c.csv",
            sha256=hashlib.sha256(b"no").hexdigest(),
        )
    assert "sha256" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.add_external_file(
            actor=p.manager, dataset=d, name="m.csv", url=f"{file_server}/missing", sha256=SHA
        )
    assert "url" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.add_external_file(
            actor=p.manager, dataset=d, name="f", url="file:///etc/passwd", sha256=SHA
        )
    assert "url" in exc.value.message_dict
    _Files.body = b"changed"
    try:
        counts = services.verify_checksums(files=[g])
    finally:
        _Files.body = CONTENT
    assert counts["mismatch"] == 1


def test_a_doi_is_minted_locally_at_publication(p, settings):
    settings.KIKIN_DOI_MINTER = "local"
    settings.KIKIN_DOI_PREFIX = "10.99999"
    d = published(p.manager, "open")
    assert d.doi == f"10.99999/{d.identifier}"


def test_a_bad_prefix_refuses_publication_and_keeps_the_draft(p, settings):
    settings.KIKIN_DOI_MINTER = "local"
    settings.KIKIN_DOI_PREFIX = "99999"
    d = services.create_dataset(actor=p.manager, fields=fields("open"))
    services.add_file(actor=p.manager, dataset=d, uploaded=upload())
    with pytest.raises(ValidationError) as exc:
        services.publish_dataset(actor=p.manager, dataset=d)
    assert "doi" in exc.value.message_dict
    d.refresh_from_db()
    assert d.state == "draft" and d.doi == ""


class _DataCite(http.server.BaseHTTPRequestHandler):
    received: list = []
    status = 201

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _DataCite.received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.end_headers()
        doc = json.loads(body)
        self.wfile.write(json.dumps({"data": {"id": doc["data"]["attributes"]["doi"]}}).encode())

    def log_message(self, *args):
        pass


def test_a_doi_is_registered_with_datacite(p, settings):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DataCite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.KIKIN_DOI_MINTER = "datacite"
        settings.KIKIN_DOI_PREFIX = "10.99999"
        settings.KIKIN_DATACITE_API = f"http://127.0.0.1:{server.server_address[1]}/dois"
        settings.KIKIN_DATACITE_USER, settings.KIKIN_DATACITE_PASSWORD = "REPO.KIKIN", "secret"
        d = published(p.manager, "open")
        auth, doc = _DataCite.received[-1]
        attrs = doc["data"]["attributes"]
        assert d.doi == attrs["doi"] == f"10.99999/{d.identifier}"
        assert attrs["event"] == "publish" and attrs["url"].endswith(f"/datasets/{d.identifier}/")
        assert attrs["types"]["resourceTypeGeneral"] == "Dataset"
        assert attrs["creators"][0]["nameIdentifiers"][0]["nameIdentifier"].endswith(
            "0000-0002-1825-0097"
        )
        assert auth.startswith("Basic ")
        _DataCite.status = 422
        d2 = services.create_dataset(actor=p.manager, fields=fields("open"))
        services.add_file(actor=p.manager, dataset=d2, uploaded=upload())
        with pytest.raises(ValidationError) as exc:
            services.publish_dataset(actor=p.manager, dataset=d2)
        assert "422" in exc.value.message_dict["doi"][0]
    finally:
        _DataCite.status = 201
        server.shutdown()
        server.server_close()


def test_the_check_runs_as_a_background_job_with_progress(p):
    from kikin.datasets.jobs import queue_daily
    from kikin.jobs.models import Job
    from tests.clients import BrowserLikeClient as Client

    d = published(p.manager, "open")
    with open(d.files.get().file.path, "wb") as out:
        out.write(b"changed")
    c = Client()
    c.force_login(p.agency)
    response = c.post("/datasets/integrity/")
    job = Job.objects.get(kind="datasets.verify_checksums")
    assert response.url == f"/jobs/{job.pk}/"
    assert job.state == "done" and job.result["mismatch"] == 1
    assert (job.progress_done, job.progress_total) == (1, 1)
    assert Client().post("/datasets/integrity/").status_code == 302  # to the login page
    first = queue_daily()
    assert [j.pk for j in queue_daily()] == [j.pk for j in first]  # once a day
    assert {j.kind for j in first} == {"datasets.verify_checksums", "datasets.lift_embargoes"}
