"""The `kamavor` console script, the health check and the production server, for real."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from kamavor.network.services import user_for_token
from tests.factories import make_user

pytestmark = pytest.mark.django_db


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
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None and '"ok"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
            page = r.read().decode()
            assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "/static/kamavor/kamavor.css" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/kamavor/kamavor.css") as r:
            assert r.status == 200
        assert (tmp_path / "data" / "kamavor.sqlite3").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)
