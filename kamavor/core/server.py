"""The production server behind `kamavor serve`: every core on Linux and macOS, one process on
Windows.

On POSIX, gunicorn's master process forks `workers` processes (two per core by default), each
serving requests on a few threads (gthread): Python runs one thread at a time per process, so
only processes use every core. The app is imported once in the master and shared copy-on-write;
no database connection is open at a fork (the master closes its own before each one), so every
worker opens its own. Gunicorn writes no access log unless asked, and reads no forwarded header
itself: `kamavor.core.proxy` decides what to trust (KAMAVOR_PROXY_HOPS).

Windows has no fork: Waitress serves from one process with threads, as it always has.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from kamavor.core.sqlite import INTERVAL_SECONDS, start_checkpointer

# A worker answering no heartbeat this long (seconds) is restarted; generous, since a planning
# run or an export may take a while on a laptop.
WORKER_TIMEOUT = 120


# Two worker processes per core, two threads each (docs/performance.md, seventh round): a
# thread holding SQLite's write lock waits for its process's one interpreter lock behind the
# other threads' work, so fewer threads per process hold the lock for less long, and a second
# process per core keeps the core busy while the first waits for the lock.
WORKERS_PER_CORE = 2
THREADS = 2
WINDOWS_THREADS = 8  # Waitress: one process, its threads


def cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no sched_getaffinity
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """Worker processes by default: two per core this process may run on."""
    return WORKERS_PER_CORE * cores()


def can_fork() -> bool:
    return os.name == "posix"


def bind_address(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


def _close_connections() -> None:
    """Close the calling process's database connections (the master's, before a fork)."""
    from django.db import connections

    connections.close_all()


def _before_fork(server: Any, worker: Any) -> None:
    """In the master, before each fork: no connection may be carried into a worker."""
    _close_connections()


def _start_worker_housekeeping(worker: Any) -> None:
    """In each worker after the fork: its own SQLite checkpointer on its own connection.

    SQLite serialises checkpoints itself: a passive checkpoint that finds another one running
    returns "busy" at once, so several workers checkpointing is safe. Each waits `workers`
    times the usual interval, so the database sees about one checkpoint per interval.
    """
    start_checkpointer(INTERVAL_SECONDS * max(1, worker.cfg.workers))


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """Gunicorn's settings for `kamavor serve` (see the module docstring for why)."""
    return {
        "bind": [bind_address(host, port)],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "kamavor",
        # The app's proxy middleware reads X-Forwarded-* from trusted hops only.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
        "pre_fork": _before_fork,
        "post_worker_init": _start_worker_housekeeping,
    }


def serve_forked(*, host: str, port: int, workers: int, threads: int) -> None:
    """Run gunicorn in this process as the master until it is stopped (SIGTERM, Ctrl+C)."""
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(host=host, port=port, workers=workers, threads=threads)

    class KamavorServer(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            from kamavor.wsgi import application

            return application

    _close_connections()
    # Gunicorn reads its own command line from sys.argv in places; give it none of ours.
    sys.argv = sys.argv[:1]
    KamavorServer().run()


def serve_threaded(*, host: str, port: int, threads: int) -> None:
    """Waitress in one process (Windows): the checkpointer runs beside it."""
    from waitress import serve

    from kamavor.wsgi import application

    # Waitress warns "Task queue depth is N" for every request that waits for a thread: a log
    # line per queued request under load, and nothing an operator can act on.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    start_checkpointer()
    serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="kamavor",
        # The app's proxy middleware decides which X-Forwarded-* headers to trust.
        clear_untrusted_proxy_headers=False,
    )
