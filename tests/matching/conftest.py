import pytest

from tests.compute.helpers import make_staff


@pytest.fixture
def staff(db):
    """An agency officer, a ministry official and a reviewer."""
    return make_staff()
