"""/outcomes/targets/…: the fund's targets (included under the app namespace "outcomes")."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("", dashboard_views.targets_dashboard, name="targets"),
    path("themes/", dashboard_views.targets_themes, name="targets_themes"),
    path("public/", dashboard_views.targets_public, name="targets_public"),
]
