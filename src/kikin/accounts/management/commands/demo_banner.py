from django.core.management.base import BaseCommand

from kikin.accounts.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo site's address and logins."

    def add_arguments(self, parser):
        parser.add_argument("--address", default="http://127.0.0.1:8000/")

    def handle(self, *args, address, **options):
        lines = [
            "",
            "=" * 64,
            f"  kikin demo: {address}",
            f"  admin:      {address}admin/  (as officer)",
            "  logins (user name / password):",
        ]
        for username, display, role, _org, _staff in DEMO_USERS:
            lines.append(f"    {username:<10} / {DEMO_PASSWORD}   {role.label} ({display})")
        lines += ["  Stop the server with Ctrl-C.", "=" * 64, ""]
        self.stdout.write("\n".join(lines))
