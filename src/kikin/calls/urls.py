from django.urls import path

from . import call_views, views

app_name = "calls"
urlpatterns = [
    path("calls/", views.call_list, name="list"),
    path("calls/<int:pk>/", views.call_detail, name="detail"),
    path("calls/<int:call_pk>/start/", views.proposal_start, name="proposal_start"),
    # The agency officer's call editor (kikin.calls.call_views).
    path("calls/new/", call_views.call_new, name="new"),
    path("calls/new/<slug:program>/", call_views.call_create, name="create"),
    path("calls/<int:pk>/edit/", call_views.call_edit, name="edit"),
    path("calls/<int:pk>/documents/", call_views.call_document_add, name="document_add"),
    path(
        "calls/<int:pk>/documents/<int:document_pk>/",
        call_views.call_document,
        name="document",
    ),
    path(
        "calls/<int:pk>/documents/<int:document_pk>/remove/",
        call_views.call_document_remove,
        name="document_remove",
    ),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/submit/", views.proposal_submit, name="proposal_submit"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path("proposals/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("proposals/<int:pk>/versions/<int:number>/", views.version_diff, name="version_diff"),
]
