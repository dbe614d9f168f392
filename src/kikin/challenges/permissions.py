"""Who may see and do what in the prize challenges. Each check answers (allowed, reason).

- The public sees a challenge's published rules, stages, prizes, the leaderboard of the public
  part and, once a stage has closed, its final ranking; never a team's members, files, hidden
  scores or documents.
- A team's members see their own team, submissions and documents; another team's answer 404.
- The agency's program officers define and edit challenges, run the baseline, advance teams,
  assign prizes and record payments; the ministry reads what the agency reads.
- Jurors (committee reviewers seated on the jury) score the teams they have no conflict with.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.review.models import ConflictDeclaration

from .models import Challenge, Juror, Stage, Team, TeamConflict

Answer = tuple[bool, str]


def is_staff(user) -> bool:
    return bool(user.is_authenticated and user.role in {Role.AGENCY, Role.MINISTRY})


def can_manage(user) -> Answer:
    if user.is_authenticated and user.role == Role.AGENCY:
        return True, ""
    return False, _("Only the agency's program officers manage challenges.")


def is_member(user, team: Team) -> bool:
    return bool(user.is_authenticated and team.memberships.filter(user=user).exists())


def can_view_team(user, team: Team) -> Answer:
    """Staff and the team's own members; anyone else is answered 404."""
    if is_staff(user) or is_member(user, team):
        return True, ""
    return False, _("Not found.")


def can_register(user) -> Answer:
    if not user.is_authenticated:
        return False, _("Log in (or sign up) to register a team.")
    if user.role != Role.APPLICANT:
        return False, _("Only entrants register teams; staff, jurors and the ministry do not.")
    return True, ""


def can_submit(user, team: Team) -> Answer:
    if team.is_baseline:
        return can_manage(user)
    if not is_member(user, team):
        return False, _("Only the team's members submit its entries.")
    return True, ""


def is_juror(user, challenge: Challenge) -> bool:
    return bool(
        user.is_authenticated
        and user.role == Role.REVIEWER
        and Juror.objects.filter(challenge=challenge, user=user).exists()
    )


def jury_conflict_reasons(juror, team: Team) -> list[str]:
    """Why `juror` may not score `team` (empty: no conflict). The review app's rules, for a team:
    the juror belongs to the team's organisation or a member's, declared a conflict with one of
    those organisations (review.ConflictDeclaration), or declared one with the team itself."""
    reasons = []
    orgs = set(
        team.memberships.exclude(user__organisation=None).values_list(
            "user__organisation", flat=True
        )
    )
    if team.organisation_id:
        orgs.add(team.organisation_id)
    if team.memberships.filter(user=juror).exists():
        reasons.append("member")
    if juror.organisation_id and juror.organisation_id in orgs:
        reasons.append("same_organisation")
    if ConflictDeclaration.objects.filter(Q(reviewer=juror) & Q(organisation_id__in=orgs)).exists():
        reasons.append("declared_organisation")
    if TeamConflict.objects.filter(juror=juror, team=team).exists():
        reasons.append("declared")
    return reasons


def can_score(user, team: Team, stage: Stage) -> Answer:
    if not is_juror(user, stage.challenge):
        return False, _("Only the challenge's jurors score entries.")
    if team.is_baseline:
        return False, _("The organisers' baseline is not judged.")
    if jury_conflict_reasons(user, team):
        return False, _("You have a conflict of interest with this team.")
    return True, ""
