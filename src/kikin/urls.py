from django.contrib import admin
from django.urls import include, path

from kikin.core import views as core_views
from kikin.review import views as review_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kikin.accounts.urls")),
    path("programs/", include("kikin.programs.urls")),
    path("", include("kikin.calls.urls")),
    path("review/", include("kikin.review.urls")),
    path("adoptions/", review_views.public_adoptions, name="public_adoptions"),
    path("awards/", include("kikin.awards.urls")),
    path("compute/", include("kikin.compute.urls")),
    path("compliance/", include("kikin.compliance.urls")),
    path("outcomes/", include("kikin.outcomes.urls")),
    path("budgets/", include("kikin.budgets.urls")),
    path("exports/", include("kikin.exports.urls")),
    path("admin/", admin.site.urls),
]
