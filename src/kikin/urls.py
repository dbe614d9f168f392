from django.contrib import admin
from django.urls import include, path

from kikin.api.api import api as api_v1
from kikin.core.idempotency import form_key_exempt
from kikin.datasets import views as dataset_views
from kikin.inbox import views as inbox_views
from kikin.ops.health import health
from kikin.review import views as review_views

handler400 = "kikin.core.errors.bad_request"
handler403 = "kikin.core.errors.permission_denied"
handler404 = "kikin.core.errors.page_not_found"
handler500 = "kikin.core.errors.server_error"

urlpatterns = [
    path("", inbox_views.home, name="home"),
    path("i18n/setlang/", form_key_exempt(inbox_views.set_language), name="set_language"),
    path("inbox/", include("kikin.inbox.urls")),
    path("accounts/", include("kikin.accounts.urls")),
    path("programs/", include("kikin.programs.urls")),
    path("help/", include("kikin.help.urls")),
    path("", include("kikin.calls.urls")),
    path("review/", include("kikin.review.urls")),
    path("adoptions/", review_views.public_adoptions, name="public_adoptions"),
    path("awards/", include("kikin.awards.urls")),
    path("compute/", include("kikin.compute.urls")),
    path("compute/", include("kikin.matching.urls")),
    path("compliance/", include("kikin.compliance.urls")),
    path("outcomes/targets/", include("kikin.targets.urls")),
    path("outcomes/", include("kikin.outcomes.urls")),
    path("budgets/", include("kikin.budgets.urls")),
    path("datasets/", include("kikin.datasets.urls")),
    path("search/", dataset_views.search, name="search"),
    path("oai", dataset_views.oai_pmh, name="oai"),
    path("jobs/", include("kikin.jobs.urls")),
    path("health/", health, name="health"),
    path("challenges/", include("kikin.challenges.urls")),
    path("", include("kikin.publish.urls")),
    path("exchange/", include("kikin.exchange.urls")),
    path("api/v1/", api_v1.urls),
    path("api/", include("kikin.api.urls")),
    path("admin/", admin.site.urls),
]
