"""Ask a permission predicate from a template: `{% load perms %}` then

    {% allowed "calls.can_edit" user proposal as ok %}{% if ok %}…{% endif %}
    {% if user|allowed:"accounts.is_staff_member" %}…{% endif %}

The name is looked up in `kikin.core.permissions.REGISTRY`, which only the apps' `@predicate`
fill: a template reaches no other code. The answer is the predicate's `Answer` (truthy when
allowed; `ok.reason` says why not). An unknown name is an error, never a silent "no".
"""

from django import template

from kikin.core.permissions import Answer, lookup

register = template.Library()


def _ask(name: str, *args) -> Answer:
    try:
        func = lookup(name)
    except KeyError:
        raise template.TemplateSyntaxError(
            f"No permission predicate is registered as {name!r}."
        ) from None
    return func(*args)


@register.simple_tag(name="allowed")
def allowed_tag(name: str, *args) -> Answer:
    """`{% allowed "app.predicate" arg… as ok %}`: the predicate's answer for the arguments."""
    return _ask(name, *args)


@register.filter(name="allowed")
def allowed_filter(subject, name: str) -> Answer:
    """`user|allowed:"app.predicate"`: the answer of a one-argument predicate."""
    return _ask(name, subject)
