from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from kikin.core.idempotency import form_key_exempt

from . import email_verification, second_factor, views

app_name = "accounts"


def _exempt(view_class, **kwargs):
    """An auth view of Django's own, outside the form-key mechanism (sign-in attempts must be
    written even when refused; password pages are anonymous or change no fund data)."""
    return form_key_exempt(view_class.as_view(**kwargs))


urlpatterns = [
    path(
        "login/",
        _exempt(
            auth_views.LoginView,
            template_name="registration/login.html",
            authentication_form=views.LoginForm,
        ),
        name="login",
    ),
    path("logout/", _exempt(auth_views.LogoutView), name="logout"),
    path("register/", views.register, name="register"),
    path("organisation/", views.organisation, name="organisation"),
    path(
        "password/reset/",
        _exempt(
            auth_views.PasswordResetView,
            success_url=reverse_lazy("accounts:password_reset_done"),
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        _exempt(
            auth_views.PasswordResetConfirmView,
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        _exempt(
            auth_views.PasswordChangeView,
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("second-factor/", second_factor.verify, name="second_factor"),
    path("second-factor/enrol/", second_factor.enrol, name="second_factor_enrol"),
    path("verify-email/", email_verification.resend, name="resend_verification"),
    path("verify-email/<str:token>/", email_verification.verify, name="verify_email"),
]
