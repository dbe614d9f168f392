"""A theme awarded to an organisation of two applicants (one reading Japanese, one English), an
outsider, and the staff."""

from types import SimpleNamespace

import pytest

from kikin.accounts.models import Role
from kikin.awards import services as awards
from kikin.inbox.services import remember_language
from tests import factories as f


def with_email(user, address):
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def world(plan, django_capture_on_commit_callbacks):
    proposal, applicant, ministry, agency = f.adopted(plan)
    award = awards.create_award(actor=agency, proposal=proposal)
    with_email(applicant, "taro@example.jp")
    colleague = with_email(f.user(Role.APPLICANT, applicant.organisation), "jane@example.com")
    remember_language(user=colleague, language="en")
    outsider = with_email(f.applicant(), "other@example.jp")
    return SimpleNamespace(
        proposal=proposal,
        applicant=applicant,
        colleague=colleague,
        outsider=outsider,
        ministry=ministry,
        agency=agency,
        award=award,
    )


def claim_lines(award, amount=1_000_000):
    return [
        {
            "category": "personnel",
            "description": "研究員人件費",
            "incurred_on": award.start_date,
            "amount_yen": amount,
        }
    ]
