"""`{% adoptions_jsonld decisions %}` and `{% targets_jsonld overview %}`: the schema.org
description of a public page, as a JSON-LD script block (kikin.publish.jsonld)."""

from django import template

from kikin.publish import jsonld

register = template.Library()


@register.simple_tag(takes_context=True)
def adoptions_jsonld(context, decisions):
    return jsonld.script(jsonld.adoptions_document(decisions, request=context.get("request")))


@register.simple_tag(takes_context=True)
def targets_jsonld(context, overview):
    return jsonld.script(jsonld.targets_document(overview, request=context.get("request")))
