"""Who may see and do what in the prize challenges. Each predicate answers an `Answer`
(kikin.core.permissions): (allowed, reason).

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

from kikin.accounts.permissions import is_agency, is_applicant, is_reviewer, is_staff_member
from kikin.core.permissions import Answer, allow, deny, predicate
from kikin.review.models import ConflictDeclaration

from .models import Challenge, Juror, Stage, Submission, Team, TeamConflict

# Not predicates: helpers that answer something else.
HELPERS = frozenset({"jury_conflict_reasons"})


@predicate
def is_staff(user) -> Answer:
    if is_staff_member(user):
        return allow()
    return deny(_("Only the agency and the ministry may do this."))


@predicate
def can_manage(user) -> Answer:
    if is_agency(user):
        return allow()
    return deny(_("Only the agency's program officers manage challenges."))


@predicate
def is_member(user, team: Team) -> Answer:
    if user.is_authenticated and team.memberships.filter(user=user).exists():
        return allow()
    return deny(_("Only the team's members may do this."))


@predicate
def can_view_team(user, team: Team) -> Answer:
    """Staff and the team's own members; anyone else is answered 404."""
    if is_staff(user) or is_member(user, team):
        return allow()
    return deny(_("Not found."))


@predicate
def can_download_submission(user, submission: Submission) -> Answer:
    """An entry's file: the staff and the team's members; the jurors too where the stage's
    entries are documents (a paper, a plan), not code the sandbox runs."""
    if can_view_team(user, submission.team):
        return allow()
    if submission.stage.entry == "document" and is_juror(user, submission.team.challenge):
        return allow()
    return deny(_("Only the team, the staff and, for documents, the jurors open an entry's file."))


@predicate
def can_register(user) -> Answer:
    if not user.is_authenticated:
        return deny(_("Log in (or sign up) to register a team."))
    if not is_applicant(user):
        return deny(_("Only entrants register teams; staff, jurors and the ministry do not."))
    return allow()


@predicate
def can_submit(user, team: Team) -> Answer:
    if team.is_baseline:
        return can_manage(user)
    if not is_member(user, team):
        return deny(_("Only the team's members submit its entries."))
    return allow()


@predicate
def is_juror(user, challenge: Challenge) -> Answer:
    if is_reviewer(user) and Juror.objects.filter(challenge=challenge, user=user).exists():
        return allow()
    return deny(_("Only the challenge's jurors may do this."))


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


@predicate
def can_score(user, team: Team, stage: Stage) -> Answer:
    if not is_juror(user, stage.challenge):
        return deny(_("Only the challenge's jurors score entries."))
    if team.is_baseline:
        return deny(_("The organisers' baseline is not judged."))
    if jury_conflict_reasons(user, team):
        return deny(_("You have a conflict of interest with this team."))
    return allow()
