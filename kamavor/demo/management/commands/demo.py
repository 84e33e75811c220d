"""`kamavor demo`: create (or refresh) a demo network and print how to log in."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from kamavor.demo.field import build_field_data
from kamavor.demo.network import build_demo


class Command(BaseCommand):
    help = "Create or refresh a demo network (organisations, points, catalogue, stock, logins)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="erase the database first")
        parser.add_argument("--days", type=int, default=21, help="days of history to create")

    def handle(self, *args, reset: bool, days: int, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        result = build_demo(days=days, progress=self.stdout.write)
        if result.created:
            self.stdout.write(f"Demo network created with {result.documents} stock documents.")
        else:
            self.stdout.write("Demo network already there: catalogue and logins refreshed.")
        waiting = build_field_data(
            organisation_slug="yerevan-food-bank", volunteer="volunteer", partner="partner"
        )
        self.stdout.write("Public pages: http://127.0.0.1:8000/ (what points need, hands needed)")
        self.stdout.write(
            "Phones (ODK Collect, KoboCollect): server http://127.0.0.1:8000/openrosa/"
            f"yerevan-food-bank, a login below; {waiting} submission(s) wait at /desk/field/"
        )
        self.stdout.write("Log in at http://127.0.0.1:8000/login/ as:")
        self.stdout.write(f"  {'username':<12} {'password':<14} who")
        for username, password, about in result.logins:
            self.stdout.write(f"  {username:<12} {password:<14} {about}")
        if result.second_factors:
            self.stdout.write(
                "These logins see personal data and also ask for a code from an authenticator "
                "app (FreeOTP, Aegis, Google Authenticator...): add the secret below to the app "
                "by hand, or print a code with `oathtool --totp -b SECRET`."
            )
            for username, secret in result.second_factors.items():
                self.stdout.write(f"  {username:<12} {secret}")
