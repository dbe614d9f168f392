from django.core.management.base import BaseCommand

from kikin.accounts.demo import load_demo_call, load_demo_users


class Command(BaseCommand):
    help = "Create the demo users (one per role) and their organisations. Safe to run twice."

    def handle(self, *args, **options):
        users = load_demo_users()
        self.stdout.write(f"demo users: {', '.join(u.username for u in users)}")
        call = load_demo_call()
        if call is not None:
            self.stdout.write(f"demo call open until {call.closes_at:%Y-%m-%d}")
        from kikin.awards.demo import load_demo_award

        award = load_demo_award()
        if award is not None:
            self.stdout.write(f"demo award: {award.number}")
        from kikin.awards.demo import load_demo_area

        area = load_demo_area()
        if area is not None:
            self.stdout.write(f"demo Q-LEAP award: {area.number}")
        from kikin.outcomes.demo import load_demo_outcomes

        finished = load_demo_outcomes()
        if finished:
            self.stdout.write(f"finished demo themes: {', '.join(a.number for a in finished)}")
        from kikin.datasets.demo import load_demo_datasets

        self.stdout.write(f"research data: {load_demo_datasets()}")
        from kikin.challenges.demo import load_demo_challenges

        self.stdout.write(f"demo challenges: {', '.join(c.slug for c in load_demo_challenges())}")
