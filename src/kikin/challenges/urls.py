from django.urls import path

from . import views

app_name = "challenges"
urlpatterns = [
    path("", views.challenge_list, name="list"),
    path("new/", views.plan_edit, name="new"),
    path("<slug:slug>/", views.challenge_detail, name="detail"),
    path("<slug:slug>/stages/<slug:stage>/board/", views.board, name="board"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/team/", views.team_page, name="team"),
    path("<slug:slug>/submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("<slug:slug>/submissions/<int:pk>/file/", views.submission_file, name="submission_file"),
    path("<slug:slug>/documents/<int:pk>/", views.document_file, name="document_file"),
    path("<slug:slug>/jury/", views.jury, name="jury"),
    path("<slug:slug>/jury/<slug:stage>/<int:team>/", views.jury_score, name="jury_score"),
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path("<slug:slug>/plan/", views.plan_edit, name="plan"),
]
