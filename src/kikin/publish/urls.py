from django.urls import path

from . import views
from .feeds import CallsFeed

app_name = "publish"
urlpatterns = [
    path("calls/feed.atom", CallsFeed(), name="calls_feed"),
    path("common-grants/opportunities", views.opportunity_list, name="cg_list"),
    path("common-grants/opportunities/search", views.opportunity_search, name="cg_search"),
    path(
        "common-grants/opportunities/<str:opportunity_id>",
        views.opportunity_detail,
        name="cg_detail",
    ),
]
