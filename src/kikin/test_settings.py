"""The test suite's settings: `kikin.settings` in its test mode (KIKIN_ENV=test), chosen by
pytest (pyproject.toml). Background jobs run eagerly; a test that starts a real worker says so."""

import os

os.environ["KIKIN_ENV"] = "test"

from kikin.settings import *  # noqa: F403

if "KIKIN_MEDIA_ROOT" not in os.environ:  # the files a test run stores go to a folder of its own
    import atexit
    import shutil
    import tempfile

    MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kikin-test-media-"))  # noqa: F405
    atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# django-axes writes a line for every sign-in; the suite signs in thousands of times
AXES_VERBOSE = False
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # noqa: F405
