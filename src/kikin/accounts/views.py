import unicodedata

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import services
from .email_verification import send_verification
from .models import OrganisationCategory
from .permissions import can_manage_organisation


def _errors(exc: ValidationError) -> dict:
    return {k: " ".join(v) for k, v in exc.message_dict.items()}


def register(request):
    """Sign-up for an applicant organisation and its first member."""
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        try:
            user = services.register_organisation(
                name_ja=values.get("name_ja", ""),
                name_en=values.get("name_en", ""),
                category=values.get("category", ""),
                corporate_number=values.get("corporate_number", ""),
                country=values.get("country", "JP"),
                has_rd_base_in_japan=values.get("has_rd_base_in_japan") == "1",
                username=values.get("username", ""),
                password=values.get("password", ""),
                display_name=values.get("display_name", ""),
                email=values.get("email", ""),
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            send_verification(request, user)
            messages.success(
                request,
                _(
                    "Your organisation is registered. Follow the link sent to %(email)s to verify"
                    " your address: then you may apply."
                )
                % {"email": user.email},
            )
            return redirect("accounts:organisation")
    return render(
        request,
        "registration/register.html",
        {"errors": errors, "values": values, "categories": OrganisationCategory.choices},
        status=400 if errors else 200,
    )


@login_required
def organisation(request):
    if not can_manage_organisation(request.user):
        raise Http404
    errors = {}
    if request.method == "POST":
        try:
            member = services.add_member(
                actor=request.user,
                username=request.POST.get("username", ""),
                password=request.POST.get("password", ""),
                display_name=request.POST.get("display_name", ""),
                email=request.POST.get("email", ""),
            )
            send_verification(request, member)
            messages.success(
                request,
                _("%(name)s is now a member.") % {"name": member.display_name or member.username},
            )
            return redirect("accounts:organisation")
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = {"member": str(exc)}
    org = request.user.organisation
    return render(
        request,
        "registration/organisation.html",
        {"org": org, "members": org.members.order_by("username"), "errors": errors},
        status=400 if errors else 200,
    )


class LoginForm(AuthenticationForm):
    """Django's sign-in form, with the user name read as it is stored (NFKC, no outer spaces)."""

    def clean_username(self):
        return unicodedata.normalize("NFKC", self.cleaned_data.get("username") or "").strip()
