"""The table of used form keys: what makes every state-changing POST idempotent.

Every POST form carries a key (a hidden field written by `{% csrf_token %}`, see
`kikin.core.templatetags.form_keys`). The first request with a key and a content stores its
answer here in the same transaction as its writes; a repeat (a double click, a retry, twenty
copies at once) waits for the first to finish and gets the same answer, changing nothing.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UsedFormKey(models.Model):
    #: sha256 of (user, path, key, posted content): the identity of one request.
    digest = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True
    )
    path = models.CharField(_("path"), max_length=500)
    status = models.PositiveSmallIntegerField(_("status"), null=True)
    location = models.CharField(_("redirected to"), max_length=2000, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(null=True)
    #: [level, text] of the messages the first answer carried, shown again with a repeat.
    messages = models.JSONField(default=list)
    used_at = models.DateTimeField(_("used at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("used form key")
        verbose_name_plural = _("used form keys")
