import pytest
from django.urls import reverse
from tests import factories as f

from kikin.accounts.models import Organisation, Role, User

pytestmark = pytest.mark.django_db

GOOD = {
    "name_ja": "株式会社試作",
    "name_en": "Shisaku K.K.",
    "category": "sme",
    "corporate_number": "7000012050002",  # with its check digit
    "country": "jp",
    "has_rd_base_in_japan": "1",
    "username": "shisaku",
    "password": "a-long-Passphrase-2026",
    "display_name": "試作 花子",
    "email": "hanako@example.jp",
}


def test_register_an_organisation_and_its_first_member(client):
    response = client.post(reverse("accounts:register"), GOOD)
    assert response.status_code == 302
    org = Organisation.objects.get(name_ja="株式会社試作")
    assert org.category == "sme" and org.country == "JP"
    user = User.objects.get(username="shisaku")
    assert user.role == Role.APPLICANT and user.organisation == org


def test_a_bad_registration_saves_nothing_and_names_the_fields(client):
    response = client.post(
        reverse("accounts:register"),
        {**GOOD, "corporate_number": "12345", "password": "short"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-field="corporate_number"' in html and "13桁" in html
    assert 'data-field="password"' in html
    assert not Organisation.objects.filter(name_ja="株式会社試作").exists()
    assert not User.objects.filter(username="shisaku").exists()


def test_members_add_colleagues_to_their_own_organisation_only(client):
    member = f.applicant()
    client.force_login(member)
    client.post(
        reverse("accounts:organisation"),
        {
            "username": "colleague",
            "password": "another-Passphrase-99",
            "display_name": "同僚",
            "email": "colleague@example.jp",
        },
    )
    colleague = User.objects.get(username="colleague")
    assert colleague.organisation_id == member.organisation_id and colleague.role == Role.APPLICANT
    client.force_login(f.reviewer())
    assert client.get(reverse("accounts:organisation")).status_code == 404


def test_reviewer_keeps_their_expertise(client):
    r = f.reviewer(keywords="光伝送")
    client.force_login(r)
    client.post(
        reverse("review:profile"),
        {"keywords": "量子コンピュータ, quantum", "profile": "超伝導量子ビット", "max_load": "8"},
    )
    r.reviewer_profile.refresh_from_db()
    assert (
        r.reviewer_profile.keywords == "量子コンピュータ, quantum"
        and r.reviewer_profile.max_load == 8
    )
    response = client.post(
        reverse("review:profile"), {"keywords": "x", "profile": "", "max_load": "0"}
    )
    assert 'data-field="max_load"' in response.content.decode()
