"""Uploads are checked by their content and stored under generated names."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from tests import factories as f
from tests.security.files import docx, html_after_pdf_magic, tiny_pdf, zip_bomb

from kikin.calls.models import Attachment
from kikin.core.files import check_document, generated_name


def _check(name, data):
    with translation.override("en"):
        return check_document(SimpleUploadedFile(name, data), field="attachment")


def test_a_real_pdf_and_office_file_pass():
    assert _check("計画.pdf", tiny_pdf())[0] == "application/pdf"
    assert _check("plan.docx", docx())[0].endswith("wordprocessingml.document")


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("x.pdf", html_after_pdf_magic(), "markup"),
        ("x.pdf", b"%PDF-1.4\n%%EOF\n" + b"garbage" * 10, "not a PDF"),
        ("x.pdf", tiny_pdf()[:200], "not a PDF"),
        ("x.docx", b"PK\x03\x04" + b"\0" * 100, "not an Office file"),
        ("x.docx", zip_bomb(200), "zip bomb"),
        ("x.xlsx", docx(), "not a .xlsx file"),
        ("x.doc", b"%PDF-" + tiny_pdf(), "not a real .doc"),
        ("x.exe", b"MZ", "only PDF and office"),
        ("x.html", b"<html>", "only PDF and office"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused(name, data, why):
    with pytest.raises(ValidationError) as refused:
        _check(name, data)
    message = " ".join(refused.value.message_dict["attachment"])
    assert why in message


def test_the_zip_bomb_is_refused_from_its_directory_alone():
    bomb = zip_bomb(200)
    assert len(bomb) < 1024 * 1024  # a few hundred kilobytes that unpack to 200 MB


def test_generated_names_keep_nothing_of_what_was_typed():
    stored = generated_name("proposals/7", "../../etc/<script>.pdf")
    assert stored.startswith("proposals/7/") and stored.endswith(".pdf")
    assert "script" not in stored and ".." not in stored


@pytest.mark.django_db
def test_an_attachment_is_stored_under_a_generated_name_and_downloads_with_its_own(client, plan):
    applicant = f.applicant()
    p = f.complete_proposal(applicant, f.open_call(plan))
    client.force_login(applicant)
    name = "事業計画書 最終版.pdf"
    client.post(
        reverse("calls:attachment_upload", args=[p.pk]),
        {"attachment": SimpleUploadedFile(name, tiny_pdf())},
    )
    a = Attachment.objects.get(proposal=p)
    assert a.original_name == name and name not in a.file.name
    assert a.file.name.startswith(f"proposals/{p.pk}/") and a.file.name.endswith(".pdf")
    response = client.get(reverse("calls:attachment_download", args=[p.pk, a.pk]))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    bad = client.post(
        reverse("calls:attachment_upload", args=[p.pk]),
        {"attachment": SimpleUploadedFile("fake.pdf", html_after_pdf_magic())},
        follow=True,
    )
    assert "fake.pdf" in bad.content.decode() and Attachment.objects.filter(proposal=p).count() == 1
