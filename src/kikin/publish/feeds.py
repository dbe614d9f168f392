"""The Atom feed of calls (`/calls/feed.atom`): each call with its themes, window in JST and
budget, newest first; Django's syndication framework writes the Atom 1.0."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from kikin.calls.models import Call
from kikin.core.templatetags.kikin_format import pick
from kikin.core.timeutil import JST

FEED_SIZE = 100


def _jst(at) -> str:
    return timezone.localtime(at, JST).strftime("%Y-%m-%d %H:%M JST")


class CallsFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return _("Calls for proposals")

    def subtitle(self):
        return _("Every call of the fund, newest first: themes, window (JST) and budget.")

    def link(self):
        return reverse("calls:list")

    def items(self):
        return (
            Call.objects.select_related("program")
            .prefetch_related("themes__item")
            .order_by("-opens_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, call):
        return pick(call, "title")

    def item_link(self, call):
        return reverse("calls:detail", args=[call.pk])

    def item_guid(self, call):
        return f"tag:kikin,{call.opens_at:%Y}:call/{call.program.code}/{call.key}"

    item_guid_is_permalink = False

    def item_description(self, call):
        lines = [
            pick(call.program, "title"),
            _("Open from %(opens)s to %(closes)s.")
            % {"opens": _jst(call.opens_at), "closes": _jst(call.closes_at)},
        ]
        if call.budget_total_yen is not None:
            lines.append(_("Budget: %(yen)s yen.") % {"yen": f"{call.budget_total_yen:,}"})
        themes = ", ".join(f"{t.key} {pick(t, 'title')}" for t in call.themes.all())
        lines.append(_("Themes: %(themes)s") % {"themes": themes})
        note = pick(call, "note")
        if note:
            lines.append(note)
        return "\n".join(lines)

    def item_pubdate(self, call):
        return call.opens_at

    def item_updateddate(self, call):
        return call.opens_at

    def item_categories(self, call):
        return [t.key for t in call.themes.all()]
