import pytest


@pytest.fixture
def officer(db):
    from kikin.accounts.models import Role
    from tests import factories as f

    return f.user(Role.AGENCY)


@pytest.fixture
def ministry(db):
    from kikin.accounts.models import Role
    from tests import factories as f

    return f.user(Role.MINISTRY)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _english():
    """Services' messages are read in English here (the pages' tests ask per request)."""
    from django.utils import translation

    with translation.override("en"):
        yield
