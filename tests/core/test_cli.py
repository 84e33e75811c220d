"""The `kamavor` console script, the health check and the production server, for real."""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from kamavor.network.services import user_for_token
from tests.factories import make_user

pytestmark = pytest.mark.django_db
# The longest a server may take to answer its first request, and to stop (its workers finish
# what they serve first): generous, for a CI machine busy with other work.
START_SECONDS = 180
STOP_SECONDS = 90


def test_token_prints_a_working_token():
    user = make_user("token-user")
    out = io.StringIO()
    call_command("token", "token-user", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("kmv_")
    assert user_for_token(token) == user


def test_token_refuses_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("token", "nobody-here")


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_kamavor_serve_runs_a_real_server_from_any_folder(tmp_path: Path):
    """Starts `kamavor serve` in another folder with its own data folder and asks /healthz."""
    port = _free_port()
    env = {**os.environ, "KAMAVOR_DATA_DIR": str(tmp_path / "data")}
    env.pop("KAMAVOR_DATABASE_URL", None)
    script = Path(sys.executable).with_name("kamavor")
    server = subprocess.Popen(
        [str(script), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = None
        started = time.monotonic()
        # Generous: migrating a new database on a busy CI machine takes a while.
        while body is None and time.monotonic() - started < START_SECONDS:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    body = r.read().decode()
            except OSError:
                time.sleep(0.2)
        assert body is not None and '"ok"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=60) as r:
            page = r.read().decode()
            assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "/static/kamavor/kamavor.css" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/kamavor/kamavor.css") as r:
            assert r.status == 200
        assert (tmp_path / "data" / "kamavor.sqlite3").exists()
    finally:
        server.terminate()
        try:
            server.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()  # never leave a server behind, then report the slow stop
            raise


@contextlib.contextmanager
def _database_for_a_server():
    """The URL of a database of the run's engine for a server of its own (made and dropped)."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        yield None  # the server's data folder holds its SQLite file
        return
    import psycopg

    name = f"{db['NAME']}_serve"
    admin = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']}"
    with psycopg.connect(f"{admin} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(f"{admin} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _get(port: int, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path("/proc").exists(), reason="counts worker processes in /proc")
def test_kamavor_serve_forks_workers_behind_a_tls_proxy(tmp_path: Path):
    """Two workers, one proxy trusted, HTTPS on: the proxy's scheme and address are believed,
    nothing loops, every worker answers, and SIGTERM stops them all."""
    port = _free_port()
    with _database_for_a_server() as url:
        env = {
            **os.environ,
            "KAMAVOR_DATA_DIR": str(tmp_path / "data"),
            "KAMAVOR_PROXY_HOPS": "1",
            "KAMAVOR_HTTPS": "1",
        }
        env.pop("KAMAVOR_DATABASE_URL", None)
        if url:
            env["KAMAVOR_DATABASE_URL"] = url
        script = Path(sys.executable).with_name("kamavor")
        server = subprocess.Popen(
            [str(script), "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            started = time.monotonic()
            while time.monotonic() - started < START_SECONDS:
                try:
                    if _get(port, "/healthz").status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            workers = _children(server.pid)
            assert len(workers) == 2
            # Requests at once: each worker serves them on its own database connections.
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: _get(port, "/healthz").status, range(40)))
            assert statuses == [200] * 40
            plain = _get(port, "/login/", {"X-Forwarded-Proto": "http"})
            assert plain.status == 301
            assert plain.getheader("Location") == f"https://127.0.0.1:{port}/login/"
            # Without the proxy's word, the scheme is the connection's: redirected too.
            assert _get(port, "/login/").status == 301
            secure = _get(port, "/login/", {"X-Forwarded-Proto": "https"})
            assert secure.status == 200
            assert secure.getheader("Strict-Transport-Security").startswith("max-age=")
            assert "Secure" in secure.getheader("Set-Cookie")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                output = server.communicate(timeout=STOP_SECONDS)[0].decode()
            except subprocess.TimeoutExpired:
                server.kill()
                raise
        assert "2 worker processes" in output
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
        # No access-log line per request: the output is the start-up line alone.
        assert "GET /" not in output and "/healthz" not in output, output


def test_serve_starts_two_processes_per_core_of_two_threads_unless_told(monkeypatch):
    from django.core.management import call_command

    from kamavor.core import server

    started = []
    monkeypatch.setattr(server, "can_fork", lambda: True)
    monkeypatch.setattr(server, "serve_forked", lambda **options: started.append(options))
    call_command("serve", "--no-migrate", "--port", "8123")
    call_command("serve", "--no-migrate", "--workers", "3", "--threads", "5")
    assert server.default_workers() == 2 * server.cores()
    assert started[0] == {
        "host": "127.0.0.1",
        "port": 8123,
        "workers": 2 * server.cores(),
        "threads": 2,
    }
    assert (started[1]["workers"], started[1]["threads"]) == (3, 5)
