from django.urls import path

from . import views

app_name = "budgets"
urlpatterns = [
    path("", views.budget_list, name="list"),
    path("<slug:program_code>/", views.budget_program, name="program"),
]
