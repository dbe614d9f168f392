from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.exchange_home, name="home"),
    path("<slug:kind>.csv", views.export_file, name="export"),
    path("<slug:kind>/import/", views.import_upload, name="import"),
    path("imports/<int:job_id>/", views.import_report, name="report"),
]
