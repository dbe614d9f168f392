"""The page where a user makes and revokes their API tokens (a new token is shown once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .models import ApiToken


@login_required
def token_list(request):
    new_token, errors = None, {}
    if request.method == "POST":
        try:
            _row, new_token = services.create_token(
                actor=request.user, name=request.POST.get("name", "")
            )
        except ValidationError as exc:
            errors = exc.message_dict
    tokens = ApiToken.objects.filter(user=request.user)
    response = render(
        request,
        "api/tokens.html",
        {"tokens": tokens, "new_token": new_token, "errors": errors},
        status=400 if errors else 200,
    )
    response["Cache-Control"] = "no-store"  # the new token is on this page only
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api:tokens")
