from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("", views.home, name="home"),
    path("agency/", views.agency_list, name="agency"),
    path("ministry/", views.ministry_queue, name="ministry"),
    path("awards/<int:pk>/", views.award_page, name="award"),
    path("awards/<int:pk>/<slug:action>/", views.award_action, name="award_action"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("shortcomings/<int:pk>/", views.shortcoming_detail, name="shortcoming"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation"),
    path(
        "consultations/<int:pk>/<slug:action>/",
        views.consultation_action,
        name="consultation_action",
    ),
]
