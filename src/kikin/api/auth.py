"""Token authentication: `Authorization: Bearer kikin_…`, one token per user and system
(`kikin.api.models.ApiToken`). The user a token belongs to becomes `request.user`, so the
selectors, permissions and services see the same person as on the pages."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from ninja.security import HttpBearer

from .services import user_for_token


class TokenAuth(HttpBearer):
    """A valid token is required."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class PublicOrToken(TokenAuth):
    """No token: the public's view (an anonymous user). A token given must be valid."""

    def __call__(self, request):
        if not request.headers.get(self.header):
            request.user = AnonymousUser()
            return request.user
        return super().__call__(request)


token_auth = TokenAuth()
public_or_token = PublicOrToken()
