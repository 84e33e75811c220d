"""What Kamavor writes to disk is private (folders 0700, files 0600, whatever the shell's umask),
and e-mails without a mail server are neither sent nor kept: no private link or address is
left readable in a file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings

from kamavor.volunteers.models import SignUp
from tests.volunteers.helpers import make_shift

KAMAVOR = Path(sys.executable).with_name("kamavor")

# Run inside `kamavor shell` on the real settings: a write (a sign-up whose private link is
# e-mailed), then, with the database still open, the mode of everything in the data folder.
SIGN_UP = """
import datetime as dt, json, os, stat
from pathlib import Path
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from kamavor.network.models import Organisation, Point
from kamavor.volunteers import services
from kamavor.volunteers.mail import send_link
org = Organisation.objects.create(name="Modes", slug="modes")
point = Point.objects.create(organisation=org, name="Door", slug="door", kind="collection")
user = User.objects.create(username="coordinator")
start = timezone.now() + dt.timedelta(days=2)
shift = services.Shift.objects.create(
    point=point, task="sorting", starts_at=start, ends_at=start + dt.timedelta(hours=2),
    hands_needed=2, created_by=user)
signup, token = services.sign_up(
    shift=shift, name="Ani", email="ani.modes@example.org", address="10.9.9.9")
send_link(email="ani.modes@example.org", url="http://x/en/v/" + token + "/", lang="en")
modes = {}
for root, folders, files in os.walk(settings.DATA_DIR):
    for name in folders + files + ["."]:
        path = Path(root) / name
        modes[str(path.relative_to(settings.DATA_DIR))] = stat.S_IMODE(path.stat().st_mode)
print(json.dumps({"token": token, "backend": settings.EMAIL_BACKEND, "modes": modes}))
"""


def _kamavor(data: Path, *args: str, umask: int = 0o022) -> subprocess.CompletedProcess:
    env = {**os.environ, "KAMAVOR_DATA_DIR": str(data)}
    for name in ("KAMAVOR_DATABASE_URL", "KAMAVOR_EMAIL_BACKEND", "KAMAVOR_EMAIL_HOST"):
        env.pop(name, None)
    return subprocess.run(
        [str(KAMAVOR), *args], env=env, capture_output=True, text=True, timeout=300,
        check=True, preexec_fn=lambda: os.umask(umask),
    )  # fmt: skip


def _modes(folder: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.stat().st_mode)
    return found


@pytest.mark.django_db
def test_a_fresh_data_folder_after_a_real_start_is_private_and_keeps_no_mail(tmp_path):
    data = tmp_path / "data"
    _kamavor(data, "migrate", "--verbosity", "0", umask=0o002)
    result = json.loads(
        _kamavor(data, "shell", "--command", SIGN_UP, umask=0o002).stdout.strip().splitlines()[-1]
    )
    modes = result["modes"]
    # The database was open (with its write-ahead log) when the modes were read.
    for name in ("kamavor.sqlite3", "kamavor.sqlite3-wal", "kamavor.sqlite3-shm"):
        assert modes[name] == 0o600, (name, oct(modes[name]))
    assert modes["secret_key"] == modes["encryption_key"] == 0o600
    assert modes["."] == 0o700
    loose = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert not loose, loose
    # Nothing in the data folder holds the private link or the address in clear.
    assert result["backend"] == "kamavor.privacy.mail.UnsentEmailBackend"
    assert not (data / "mail").exists()
    for path in data.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert result["token"].encode() not in content, path
            assert b"ani.modes@example.org" not in content, path


@pytest.mark.django_db
def test_a_start_fixes_what_an_older_version_left_readable(tmp_path):
    data = tmp_path / "data"
    (data / "mail").mkdir(parents=True)
    (data / "mail" / "old.log").write_text("Your private link: http://x/en/v/abc/")
    (data / "secret_key").write_text("old-secret")
    os.chmod(data, 0o755)
    os.chmod(data / "mail", 0o755)
    os.chmod(data / "mail" / "old.log", 0o644)
    os.chmod(data / "secret_key", 0o644)
    _kamavor(data, "check")
    modes = _modes(data)
    assert modes["."] == modes["mail"] == 0o700
    assert modes["mail/old.log"] == modes["secret_key"] == 0o600
    assert (data / "secret_key").read_text() == "old-secret"  # fixed, never replaced


def test_without_a_mail_server_nothing_is_sent_or_kept(client, w, tmp_path, caplog):
    shift = make_shift(w)
    with override_settings(EMAIL_BACKEND="kamavor.privacy.mail.UnsentEmailBackend"):
        response = client.post(
            f"/en/shifts/{shift.pk}/",
            {"name": "Ani", "email": "ani@example.org", "key": "form-1"},
            REMOTE_ADDR="10.7.7.7",
        )
    assert response.status_code == 302 and SignUp.objects.filter(shift=shift).exists()
    assert not mail.outbox
    assert "1 e-mail(s) not sent" in caplog.text
    assert "ani@example.org" not in caplog.text
    assert response["Location"].split("/")[3] not in caplog.text
