"""`{% csrf_token %}` that also writes the form's key (a template builtin, see settings).

Every POST form already carries the CSRF token, so every POST form also carries a fresh key for
`kikin.core.idempotency`: a form added later is covered without anyone remembering to.
`{% form_key %}` writes the key alone (for a form that is not sent with its CSRF field).
"""

import uuid

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html

from kikin.core.idempotency import FIELD

register = template.Library()


def _key_input() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4().hex)


class CsrfTokenAndFormKeyNode(CsrfTokenNode):
    def render(self, context):
        return super().render(context) + _key_input()


@register.tag
def csrf_token(parser, token):
    return CsrfTokenAndFormKeyNode()


@register.simple_tag
def form_key():
    return _key_input()
