"""`kamavor serve`: the production server, one command on every OS (see kamavor.core.server)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kamavor.core import server


class Command(BaseCommand):
    help = (
        "Serve Kamavor: several worker processes (two per core) on Linux and macOS, one "
        "process on Windows; static files served by the app."
    )
    # Migrations and the server's own start-up cover what the system checks would: skip them.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes (default: two per core; always 1 on Windows)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help=(
                f"threads per worker (default {server.THREADS}; "
                f"{server.WINDOWS_THREADS} on Windows)"
            ),
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply pending migrations first"
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int | None,
        threads: int | None,
        no_migrate: bool,
        **options,
    ) -> None:
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1.")
        if threads is not None and threads < 1:
            raise CommandError("--threads must be at least 1.")
        forked = server.can_fork()
        threads = threads or (server.THREADS if forked else server.WINDOWS_THREADS)
        workers = (workers or server.default_workers()) if forked else 1
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        shown = f"[{host}]" if ":" in host else host
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(
            f"Kamavor is serving at http://{shown}:{port}/ (database: {engine}; "
            f"{workers} worker process{'es' if workers != 1 else ''}; stop with Ctrl+C)"
        )
        self.stdout.flush()
        if forked:
            server.serve_forked(host=host, port=port, workers=workers, threads=threads)
        else:
            server.serve_threaded(host=host, port=port, threads=threads)
