"""Serve Kamavor with Waitress, a production WSGI server that runs on any OS."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from kamavor.core.sqlite import start_checkpointer


class Command(BaseCommand):
    help = "Serve Kamavor (production WSGI server; static files served by the app)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply pending migrations first"
        )

    def handle(self, *args, host: str, port: int, threads: int, no_migrate: bool, **options):
        from waitress import serve

        from kamavor.wsgi import application

        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        start_checkpointer()
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(
            f"Kamavor is serving at http://{shown}:{port}/ "
            f"(database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
            "stop with Ctrl+C)"
        )
        serve(application, host=host, port=port, threads=threads, ident="kamavor")
