from django.urls import include, path

from . import views

app_name = "outcomes"
urlpatterns = [
    path("targets/", include("kikin.outcomes.dashboard_urls")),
]
