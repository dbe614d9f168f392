from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "kikin.review"
    verbose_name = _("Selection and review")

    def ready(self):
        from kikin.calls import extensions as calls

        from . import permissions  # noqa: F401  (registers its predicates for the templates)
        from .conflicts import has_conflict
        from .extensions import proposal_context

        calls.register_conflict_check(has_conflict)  # a conflicted reviewer never opens it
        calls.register_proposal_context(proposal_context)  # the reviews or the notice
