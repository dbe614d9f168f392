"""The evaluation job of the background worker (kikin.jobs).

Each job evaluates the next entry of the fair queue (round-robin between teams), which may be
another team's: its progress and result therefore say nothing of the entry, and each team
follows its own entry on its submission page.
"""

from __future__ import annotations

from kikin.jobs.registry import job_handler


@job_handler("challenges.evaluate", atomic=False)
def evaluate(job, progress):
    """Not atomic: the entry is claimed (and committed) before the sandbox runs, outside any
    transaction, and its result is written in a transaction of its own."""
    from django.utils.translation import gettext as _

    from . import services

    def report(done, total, _part):
        progress(done, total, _("Evaluating the next entry of the queue"))

    submission = services.evaluate_next(progress=report)
    return {"evaluated": submission is not None}
