"""The download of the published adoptions (review.views.public_adoptions), registered with
kikin.exports: only what the public page shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kikin.core.templatetags.kikin_format import item_symbol
from kikin.exports.columns import pick_path, theme_label
from kikin.exports.registry import register
from kikin.exports.tabular import Column

ADOPTION_COLUMNS = [
    Column(_("Call"), pick_path("proposal.call.title")),
    Column(_("Theme"), lambda d: theme_label(d.proposal.theme)),
    Column(
        _("Adopted as item"), lambda d: item_symbol(d.adopted_as_item) if d.adopted_as_item else ""
    ),
    Column(_("Title"), "proposal.title"),
    Column(_("Organisation (Japanese)"), "proposal.organisation.name_ja"),
    Column(_("Organisation (English)"), "proposal.organisation.name_en"),
    Column(_("Published"), "published_at", kind="date"),
]

ADOPTIONS = register("review.adoptions", title=_("Adopted proposals"), columns=ADOPTION_COLUMNS)
