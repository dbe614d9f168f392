"""/outcomes/targets/…: the fund's targets (the namespace "targets"; the paths stay under /outcomes/)."""

from django.urls import path

from . import views

app_name = "targets"
urlpatterns = [
    path("", views.targets_dashboard, name="dashboard"),
    path("themes/", views.targets_themes, name="themes"),
    path("public/", views.targets_public, name="public"),
]
