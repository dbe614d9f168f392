from django.urls import path

from . import views

#: The token page. The API itself is mounted at /api/v1/ by kikin.urls (its own namespace).
app_name = "api"
urlpatterns = [
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
