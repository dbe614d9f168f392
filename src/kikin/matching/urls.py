"""/compute/matching/ and /compute/events/: under GENIAC's pages, in the namespace "matching"."""

from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("matching/", views.board, name="board"),
    path("events/", views.events, name="events"),
]
