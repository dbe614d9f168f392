from django.urls import path

from . import views

app_name = "datasets"
urlpatterns = [
    path("", views.dataset_list, name="list"),
    path("new/", views.dataset_create, name="create"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("platforms/", views.platform_list, name="platforms"),
    path("platforms/<slug:code>/", views.platform_detail, name="platform"),
    path("plans/", views.plan_list, name="plans"),
    path("awards/<int:pk>/", views.award_data, name="award"),
    path("excluded/", views.excluded_list, name="excluded"),
    path("integrity/", views.integrity, name="integrity"),
    path("<slug:identifier>/", views.dataset_detail, name="detail"),
    path("<slug:identifier>/edit/", views.dataset_edit, name="edit"),
    path("<slug:identifier>/files/", views.dataset_files, name="files"),
    path("<slug:identifier>/files/<int:file_pk>/", views.dataset_download, name="download"),
    path("<slug:identifier>/request/", views.request_access, name="request_access"),
    path("<slug:identifier>/log/", views.dataset_log, name="log"),
    path("<slug:identifier>/<slug:action>/", views.dataset_state, name="state"),
]
