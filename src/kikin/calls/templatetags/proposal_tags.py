from django import template

from kikin.calls.permissions import applicant_status

register = template.Library()


@register.simple_tag
def applicant_label(proposal):
    """The status the proposer may see (never the state of review)."""
    return applicant_status(proposal)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""
