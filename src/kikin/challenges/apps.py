from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "kikin.challenges"
    verbose_name = _("Prize challenges")

    def ready(self):
        from kikin.programs.plan_loaders import register_kind

        from . import permissions  # noqa: F401  (registers its predicates for the templates)
        from .services import load_challenge_plan

        register_kind("challenge", load_challenge_plan)  # a challenge plan's own tables
