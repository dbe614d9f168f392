"""`{% award_data_summary award as dmp %}`: the research-data panel of an award's page (the data
management plan asked for at award, the version in force at each stage gate, IP committees)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def award_data_summary(context, award) -> dict:
    from kikin.datasets import selectors
    from kikin.datasets.permissions import can_view_data_plan

    user = context.get("user")
    if user is None or not can_view_data_plan(user, award):
        return {"visible": False}
    versions = selectors.plan_versions(award)
    return {
        "visible": True,
        "latest": versions[0] if versions else None,
        "gates": selectors.plan_at_gates(award),
        "committees": award.ip_committees.count(),
        "needs_committee": award.form == "contract",
        "platform_modes": selectors.platform_modes(award),
        "platforms": list(award.data_platforms.all()),
    }
