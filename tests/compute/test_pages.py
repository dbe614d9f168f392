"""The compute pages: who sees what (an applicant only their own organisation's award, 404
otherwise), only the agency writes, the upload's error report, and constant query counts."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kikin.compute import services
from kikin.compute.models import Allocation, ComputePool, UsageImport
from kikin.matching import services as matching
from tests.jobs.follow import job_of

from .helpers import as_stream, csv_bytes, geniac_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(plan, staff):
    award, app = geniac_award(plan, staff)
    other, other_app = geniac_award(plan, staff)
    pool = services.create_pool(
        actor=staff.agency,
        name="Cycle 2 H100",
        provider="Google Cloud",
        accelerator_type="H100",
        hours_bought=10_000,
        price_per_hour_yen=3_000,
        starts_on=award.start_date,
        ends_on=award.period_end,
        call=award.call,
    )
    mine = services.allocate(actor=staff.agency, pool=pool, award=award, hours=1_000)
    theirs = services.allocate(actor=staff.agency, pool=pool, award=other, hours=2_000)
    return award, app, other, other_app, pool, mine, theirs


def get(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(f"compute:{name}", args=args), params, HTTP_ACCEPT_LANGUAGE="en")


def test_a_developer_sees_only_their_own_compute(world, staff, client):
    award, app, other, _other_app, pool, mine, theirs = world
    services.import_usage(
        actor=staff.agency,
        pool=pool,
        stream=as_stream(
            csv_bytes(
                f"m1,{mine.code},{mine.starts_on},10.5,31500",
                f"t1,{theirs.code},{theirs.starts_on},99,297000",
            )
        ),
        file_name="u.csv",
    )
    response = get(client, app, "mine")
    assert response.status_code == 302 and response.url == reverse("compute:award", args=[award.pk])
    html = get(client, app, "award", award.pk).content.decode()
    assert mine.code in html and theirs.code not in html and "31,500円" in html
    assert "21,000円" in html  # 31,500 × 2/3
    assert get(client, app, "award", other.pk).status_code == 404
    for page in ("pools", "alerts", "leaderboard"):
        assert get(client, app, page).status_code == 404
    assert get(client, app, "pool", pool.pk).status_code == 404
    imp = UsageImport.objects.get()
    assert get(client, app, "import", imp.pk).status_code == 404
    # Staff see both.
    for user in (staff.agency, staff.ministry):
        assert get(client, user, "award", other.pk).status_code == 200
        page = get(client, user, "pool", pool.pk).content.decode()
        assert mine.code in page and theirs.code in page


def test_only_the_agency_writes_through_the_pages(world, staff, client):
    award, app, *_rest, pool, mine, _theirs = world
    data = {
        "name": "Cycle 1 Azure",
        "provider": "Microsoft Azure",
        "accelerator_type": "H100",
        "hours_bought": "500",
        "price_per_hour_yen": "2800",
        "starts_on": award.start_date.isoformat(),
        "ends_on": award.period_end.isoformat(),
        "cycle_label": "Cycle 1",
    }
    client.force_login(staff.ministry)
    assert client.post(reverse("compute:pools"), data).status_code == 403
    client.force_login(app)
    assert client.post(reverse("compute:pools"), data).status_code == 404
    assert (
        client.post(reverse("compute:pool", args=[pool.pk]), {"action": "allocate"}).status_code
        == 404
    )
    client.force_login(staff.agency)
    response = client.post(reverse("compute:pools"), data)
    new = ComputePool.objects.get(name="Cycle 1 Azure")
    assert response.status_code == 302 and response.url == reverse("compute:pool", args=[new.pk])
    # A second allocation for the same developer is not offered; over-allocation is refused on the form.
    response = client.post(
        reverse("compute:pool", args=[pool.pk]),
        {"action": "allocate", "allocate-award": award.pk, "allocate-hours": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert (
        response.status_code == 200 and "valid choice" in response.content.decode()
    )  # it has one in this pool already
    response = client.post(
        reverse("compute:allocation", args=[mine.pk]),
        {
            "hours": "8001",
            "starts_on": mine.starts_on.isoformat(),
            "ends_on": mine.ends_on.isoformat(),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "unallocated" in response.content.decode()
    mine.refresh_from_db()
    assert mine.hours == 1_000
    response = client.post(
        reverse("compute:allocation", args=[mine.pk]),
        {
            "hours": "7000",
            "starts_on": mine.starts_on.isoformat(),
            "ends_on": mine.ends_on.isoformat(),
            "monthly": "",
        },
    )
    assert response.status_code == 302
    assert Allocation.objects.get(pk=mine.pk).hours == 7_000


def test_upload_shows_the_refused_lines(world, staff, client):
    *_rest, pool, mine, _theirs = world
    data = csv_bytes(
        f"a1,{mine.code},{mine.starts_on},1,3000",
        f"a2,{mine.code},{mine.starts_on},x,1",
        f"a3,NOPE,{mine.starts_on},1,1",
    )
    client.force_login(staff.agency)
    response = client.post(
        reverse("compute:pool", args=[pool.pk]),
        {
            "action": "upload",
            "upload-file": SimpleUploadedFile("usage.csv", data, content_type="text/csv"),
        },
    )
    imp = UsageImport.objects.get()  # imported by the background job the page queued
    job = job_of(response)
    assert job.kind == "compute.import_usage" and job.state == "done"
    assert job.result["url"] == reverse("compute:import", args=[imp.pk])
    assert job.progress_done == job.progress_total == len(data)  # bytes read, all of them
    job_page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert job.result["url"] in job_page
    html = client.get(job.result["url"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        '<td class="num">3</td>' in html
        and '<td class="num">4</td>' in html
        and "No allocation of this pool" in html
    )
    # Again: nothing new, and the page says it is the same file.
    client.post(
        reverse("compute:pool", args=[pool.pk]),
        {"action": "upload", "upload-file": SimpleUploadedFile("usage.csv", data)},
    )
    again = UsageImport.objects.order_by("-pk").first()
    assert again.rows_imported == 0 and again.rows_already == 1
    assert (
        "same file"
        in client.get(
            reverse("compute:import", args=[again.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )
    # A bad header is an error on the form; nothing is recorded.
    response = client.post(
        reverse("compute:pool", args=[pool.pk]),
        {"action": "upload", "upload-file": SimpleUploadedFile("bad.csv", b"a,b,c\r\n1,2,3\r\n")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "usage_id" in response.content.decode()
    assert UsageImport.objects.count() == 2


def test_declaration_and_results_through_the_developer_page(world, staff, client):
    award, app, _other, other_app, *_ = world
    url = reverse("compute:award", args=[award.pk])
    client.force_login(app)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="declare"' in page and 'value="result"' not in page
    result = {
        "action": "result",
        "result-benchmark": "JGLUE",
        "result-score": "70.25",
        "result-evaluated_on": "2026-01-05",
        "result-model_version": "v1",
    }
    response = client.post(url, result, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Declare first" in response.content.decode()
    assert (
        client.post(
            url,
            {
                "action": "declare",
                "declare-statement": "学習に使っていません。",
                "declare-confirm": "on",
            },
        ).status_code
        == 302
    )
    assert client.post(url, result).status_code == 302
    assert award.benchmark_results.get().score == pytest.approx(70.25)
    client.force_login(other_app)
    assert client.post(url, result).status_code == 404
    client.force_login(staff.agency)
    assert client.post(url, {"action": "declare"}).status_code == 403
    board = get(client, staff.ministry, "leaderboard").content.decode()
    assert "JGLUE" in board and award.number in board


def test_pages_cost_the_same_queries_for_more_data(world, staff, client):
    award, app, other, other_app, pool, mine, theirs = world
    for a, user in ((award, app), (other, other_app)):
        services.declare_no_evaluation_data(actor=user, award=a)
    urls = {
        "award": (app, reverse("compute:award", args=[award.pk])),
        "pool": (staff.agency, reverse("compute:pool", args=[pool.pk])),
        "pools": (staff.agency, reverse("compute:pools")),
        "alerts": (
            staff.agency,
            reverse("compute:alerts") + f"?as_of={mine.starts_on + dt.timedelta(days=20)}",
        ),
        "leaderboard": (staff.ministry, reverse("compute:leaderboard")),
        "matching": (staff.agency, reverse("matching:board")),
    }

    def counts():
        out = {}
        for name, (user, url) in urls.items():
            client.force_login(user)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, name
            out[name] = len(ctx.captured_queries)
        return out

    services.submit_result(
        actor=app,
        award=award,
        benchmark="JGLUE",
        score="1",
        evaluated_on=dt.date(2026, 1, 1),
        model_version="v0",
    )
    before = counts()
    rows = [
        f"x{i},{(mine if i % 2 else theirs).code},{mine.starts_on + dt.timedelta(days=i % 90)},1.5,"
        for i in range(400)
    ]
    services.import_usage(
        actor=staff.agency, pool=pool, stream=as_stream(csv_bytes(*rows)), file_name="more.csv"
    )
    for i in range(5):
        services.submit_result(
            actor=app,
            award=award,
            benchmark=f"B{i}",
            score=str(i),
            evaluated_on=dt.date(2026, 1, 2),
            model_version="v1",
        )
        services.submit_result(
            actor=other_app,
            award=other,
            benchmark=f"B{i}",
            score=str(i + 1),
            evaluated_on=dt.date(2026, 1, 2),
            model_version="v1",
        )
    for i in range(3):
        offer = matching.offer_data(
            actor=staff.agency, holder_name=f"H{i}", title=f"T{i}", description="d", conditions="c"
        )
        req = matching.request_data(actor=app, award=award, title=f"W{i}", description="d")
        matching.introduce(actor=staff.agency, offer=offer, request=req)
    assert counts() == before


def test_landing_pages_and_forms_render(world, staff, client, plan):
    award, app, *_rest, pool, mine, _theirs = world
    client.force_login(staff.ministry)
    assert client.get(reverse("compute:index")).url == reverse("compute:pools")
    assert client.get(reverse("compute:mine")).url == reverse("compute:pools")
    client.force_login(staff.agency)
    page = client.get(
        reverse("compute:allocation", args=[mine.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f'value="{mine.hours}"' in page
    assert (
        'name="allocate-award"'
        in client.get(reverse("compute:pool", args=[pool.pk])).content.decode()
    )
    client.force_login(app)
    assert client.get(reverse("compute:index")).url == reverse("compute:mine")
    # Two awards of one organisation: the list, each linked.
    from tests.compute.helpers import geniac_award

    second, _ = geniac_award(plan, staff)
    app.organisation = second.organisation
    app.save()
    from kikin.awards.models import Award

    Award.objects.filter(pk=award.pk).update(organisation=second.organisation)
    page = client.get(reverse("compute:mine")).content.decode()
    assert (
        reverse("compute:award", args=[award.pk]) in page
        and reverse("compute:award", args=[second.pk]) in page
    )
    for lang in ("ja", "en"):
        assert (
            client.get(
                reverse("compute:award", args=[award.pk]), HTTP_ACCEPT_LANGUAGE=lang
            ).status_code
            == 200
        )
