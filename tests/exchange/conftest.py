import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _japanese():
    """Messages and column names in Japanese, whatever an earlier test left active."""
    with translation.override("ja"):
        yield
