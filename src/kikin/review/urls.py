from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("calls/<int:pk>/", views.call_panel, name="call"),
    path("calls/<int:pk>/<slug:action>/", views.call_action, name="call_action"),
    path("proposals/<int:pk>/", views.proposal_panel, name="proposal"),
    path("proposals/<int:pk>/<slug:action>/", views.proposal_action, name="proposal_action"),
    path("mine/", views.my_assignments, name="mine"),
    path("profile/", views.reviewer_profile, name="profile"),
    path("assignments/<int:pk>/", views.review_form, name="review_form"),
    path("assignments/<int:pk>/conflict/", views.declare_conflict, name="declare_conflict"),
]
