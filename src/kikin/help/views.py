"""The guides' pages: the list of guides, and one guide with its contents. Anyone may read them
(an applicant needs help before signing in); they show no data of the fund."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from . import selectors


def index(request):
    return render(
        request,
        "help/index.html",
        {"guides": selectors.guides(), "mine": selectors.guide_for(request.user)},
    )


def guide_page(request, slug: str):
    try:
        guide = selectors.for_reader(selectors.guide(slug), request.user)
    except LookupError:
        raise Http404
    return render(
        request,
        "help/guide.html",
        {
            "guide": guide,
            "guides": selectors.guides(),
            "mine": selectors.guide_for(request.user),
        },
    )
