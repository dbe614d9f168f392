from django.urls import path

from . import packet_views, views

app_name = "awards"
urlpatterns = [
    path("", views.award_list, name="list"),
    path("packet/", packet_views.packet, name="packet"),
    path("claims/", views.claim_list, name="claims"),
    path("areas/<slug:code>/<int:number>/", views.area_detail, name="area"),
    path("<int:pk>/", views.award_detail, name="detail"),
    path("<int:pk>/lines/<int:line_pk>/evidence/", views.evidence_download, name="evidence"),
    path("<int:pk>/<slug:action>/", views.award_action, name="action"),
    path("from-proposal/<int:proposal_pk>/", views.award_create, name="create"),
]
