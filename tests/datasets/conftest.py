import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
