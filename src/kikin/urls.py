from django.contrib import admin
from django.urls import include, path

from kikin.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kikin.accounts.urls")),
    path("programs/", include("kikin.programs.urls")),
    path("admin/", admin.site.urls),
]
