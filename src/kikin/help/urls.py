"""/help/: the guides (the namespace "help")."""

from django.urls import path

from . import views

app_name = "help"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.guide_page, name="guide"),
]
