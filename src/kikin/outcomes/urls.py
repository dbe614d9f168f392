from django.urls import path

from . import views

app_name = "outcomes"
urlpatterns = [
    path("awards/<int:pk>/", views.award_outcomes, name="award"),
    path("awards/<int:pk>/<slug:action>/", views.award_action, name="action"),
    path("notices/<int:pk>.pdf", views.notice_pdf, name="notice"),
    path("filings/", views.filing_list, name="filings"),
    path("assessments/", views.assessment_list, name="assessments"),
]
