from django.urls import path

app_name = "compute"
urlpatterns: list = []
