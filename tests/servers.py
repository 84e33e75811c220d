"""Real `kamavor serve` processes against the test database, for tests that need several
processes or a crash: start them on free ports, talk JSON to their API, kill or stop them.

The test must commit what the servers read (`transactional_db`): they open their own
connections to the same test database (a file on SQLite, a database on PostgreSQL).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

STARTUP_SECONDS = 60  # a bound, not a measurement: a loaded CI machine imports slowly


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database this test runs on, for the server processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Server:
    """One `kamavor serve --no-migrate` process (and any workers it starts: its session)."""

    data_dir: Path
    threads: int = 8
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> Server:
        env = {
            **os.environ,
            "KAMAVOR_DATABASE_URL": test_database_url(),
            "KAMAVOR_DATA_DIR": str(self.data_dir),
            "KAMAVOR_SECRET_KEY": settings.SECRET_KEY,
            "KAMAVOR_ENCRYPTION_KEY": settings.ENCRYPTION_KEY,
            "KAMAVOR_HTTPS": "0",
            "KAMAVOR_DEBUG": "0",
            "KAMAVOR_LOG_LEVEL": "ERROR",
        }
        command = [sys.executable, "-m", "kamavor.cli", "serve", "--no-migrate"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--threads", str(self.threads)]
        log = open(self.data_dir / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, env=env, stdout=log, stderr=log, start_new_session=True
        )
        return self

    def wait_ready(self) -> Server:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                status, _body = request(self.port, "GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server on {self.port} did not start:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the server and every worker it started: a crash, nothing cleaned up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        path = self.data_dir / f"server-{self.port}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def request(
    port: int,
    method: str,
    path: str,
    body: object = None,
    *,
    token: str | None = None,
    key: str | None = None,
    timeout: float = 60,
) -> tuple[int, object]:
    """One HTTP request on a fresh connection: (status, decoded JSON or text)."""
    headers = {"Accept-Language": "en", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, None if body is None else json.dumps(body), headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw.decode(errors="replace")
