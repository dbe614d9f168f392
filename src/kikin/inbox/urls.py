from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.mark_all, name="mark_all"),
    path("notifications/<int:pk>/read/", views.mark, name="mark"),
]
