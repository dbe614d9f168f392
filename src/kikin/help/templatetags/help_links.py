"""Links from the pages to the guides: `{% load help_links %}` then

    {% help_link "applicant:proposal" %}
    {% help_link "applicant:claims" "agency:claims" "ministry:directives" %}
    {% help_nav_link %}

`help_link` writes a small "?" link to a section of a guide: of the targets ("guide:anchor"), the
one of the guide for the signed-in person's role, else the first. A target that names no section
of a guide is an error (TemplateSyntaxError), never a link to nowhere; the tests render the pages
and check every target of every template. `help_nav_link` is the navigation's "Help": a link to
the signed-in person's guide (to the list of guides when signed out).
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kikin.help import selectors

register = template.Library()


def _user(context):
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = getattr(context["request"], "user", None)
    return user


def parse_target(target: str) -> tuple[str, str]:
    slug, _sep, anchor = str(target).partition(":")
    if not slug or not anchor:
        raise template.TemplateSyntaxError(f"A help target is 'guide:anchor', not {target!r}.")
    return slug, anchor


@register.simple_tag(takes_context=True)
def help_link(context, *targets):
    if not targets:
        raise template.TemplateSyntaxError("help_link needs at least one 'guide:anchor'.")
    parsed = [parse_target(t) for t in targets]
    mine = selectors.guide_for(_user(context))
    slug, anchor = next((t for t in parsed if t[0] == mine), parsed[0])
    try:
        url = selectors.section_url(slug, anchor)
    except LookupError:
        raise template.TemplateSyntaxError(f"No guide has the section {slug}#{anchor}.") from None
    label = _("Help: %(section)s") % {"section": selectors.guide(slug).section(anchor).title}
    return format_html(
        '<a class="help-link" href="{}" title="{}" aria-label="{}" data-help="{}:{}">?</a>',
        url,
        label,
        label,
        slug,
        anchor,
    )


@register.simple_tag(takes_context=True)
def help_nav_link(context):
    slug = selectors.guide_for(_user(context))
    url = reverse("help:guide", args=[slug]) if slug else reverse("help:index")
    return format_html('<a href="{}" data-testid="nav-help">{}</a>', url, _("Help"))
