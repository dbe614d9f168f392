import datetime as dt

from django.core.management.base import BaseCommand

from kikin.accounts.demo import load_demo_users
from kikin.awards.demo import load_demo_area, load_demo_award
from kikin.calls.demo import load_demo_call
from kikin.challenges.demo import load_demo_challenges
from kikin.core.demo import DemoLeftOut
from kikin.core.timeutil import clock_at, today_jst
from kikin.datasets.demo import load_demo_datasets
from kikin.outcomes.demo import load_demo_outcomes
from kikin.review.demo import load_demo_reviewer_profile


class Command(BaseCommand):
    help = (
        "Create the demo users (one per role) and their organisations, and the demo's calls, "
        "awards, outcomes, research data and challenges, their history placed relative to the "
        "day it is loaded (today, or --as-of). Safe to run twice on the same day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help=(
                "Load the demo as if today were this day (JST): its open call, its themes under "
                "way and finished, and their history are placed relative to it. For checks and "
                "rehearsals; a site showing it should run with KIKIN_TODAY set to the same day."
            ),
        )

    def handle(self, *args, as_of=None, **options):
        day = as_of or today_jst()
        # one day for the whole load, even across midnight
        with clock_at(day):
            self._load(day)

    def _part(self, load):
        """Run one part; a part the load day cannot hold is left out with its reason."""
        try:
            return load()
        except DemoLeftOut as notice:
            self.stdout.write(self.style.WARNING(str(notice)))
            return None

    def _load(self, day: dt.date) -> None:
        self.stdout.write(f"demo loaded as of {day.isoformat()}")
        users = load_demo_users()
        self.stdout.write(f"demo users: {', '.join(u.username for u in users)}")
        for user in users:
            load_demo_reviewer_profile(user)
        call = self._part(load_demo_call)
        if call is not None:
            self.stdout.write(f"demo call open until {call.closes_at:%Y-%m-%d}")
        award = self._part(load_demo_award)
        if award is not None:
            self.stdout.write(f"demo award: {award.number}")
        area = self._part(load_demo_area)
        if area is not None:
            self.stdout.write(f"demo Q-LEAP award: {area.number}")
        finished = self._part(load_demo_outcomes)
        if finished:
            self.stdout.write(f"finished demo themes: {', '.join(a.number for a in finished)}")
        self.stdout.write(f"research data: {load_demo_datasets()}")
        self.stdout.write(f"demo challenges: {', '.join(c.slug for c in load_demo_challenges())}")
