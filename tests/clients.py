"""Test clients that behave as a browser on a rendered page does."""

import uuid

from django.http import HttpRequest
from django.test.client import MULTIPART_CONTENT, Client


class BrowserLikeClient(Client):
    """Django's test client that, like a rendered form, sends a fresh form key with every POST
    that has none (kikin.core.idempotency refuses a signed-in POST without one). Tests of the
    mechanism itself send their keys explicitly, or none, with a plain `django.test.Client`."""

    def post(self, path, data=None, content_type=MULTIPART_CONTENT, *args, **kwargs):
        if data is None:
            data = {}
        if isinstance(data, dict) and content_type == MULTIPART_CONTENT and "form_key" not in data:
            data = {**data, "form_key": uuid.uuid4().hex}
        return super().post(path, data, content_type, *args, **kwargs)

    def login(self, **credentials):
        """As Django's, with the request that django-axes needs to count the attempt."""
        credentials.setdefault("request", HttpRequest())
        return super().login(**credentials)
