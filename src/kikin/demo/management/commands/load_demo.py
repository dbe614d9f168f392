from django.core.management.base import BaseCommand

from kikin.accounts.demo import load_demo_users
from kikin.awards.demo import load_demo_area, load_demo_award
from kikin.calls.demo import load_demo_call
from kikin.challenges.demo import load_demo_challenges
from kikin.datasets.demo import load_demo_datasets
from kikin.outcomes.demo import load_demo_outcomes
from kikin.review.demo import load_demo_reviewer_profile


class Command(BaseCommand):
    help = (
        "Create the demo users (one per role) and their organisations, and the demo's calls, "
        "awards, outcomes, research data and challenges. Safe to run twice."
    )

    def handle(self, *args, **options):
        users = load_demo_users()
        self.stdout.write(f"demo users: {', '.join(u.username for u in users)}")
        for user in users:
            load_demo_reviewer_profile(user)
        call = load_demo_call()
        if call is not None:
            self.stdout.write(f"demo call open until {call.closes_at:%Y-%m-%d}")
        award = load_demo_award()
        if award is not None:
            self.stdout.write(f"demo award: {award.number}")
        area = load_demo_area()
        if area is not None:
            self.stdout.write(f"demo Q-LEAP award: {area.number}")
        finished = load_demo_outcomes()
        if finished:
            self.stdout.write(f"finished demo themes: {', '.join(a.number for a in finished)}")
        self.stdout.write(f"research data: {load_demo_datasets()}")
        self.stdout.write(f"demo challenges: {', '.join(c.slug for c in load_demo_challenges())}")
