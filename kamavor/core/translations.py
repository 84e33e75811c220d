"""Compile the gettext catalogues (.po to .mo) in pure Python, so no GNU gettext is needed."""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def compile_catalogue(po_path: Path) -> Path:
    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    # Catalogues are part of the program, not data: readable by whichever account serves it,
    # even when they were compiled under Kamavor's private umask.
    mo_path.chmod(0o644)
    return mo_path


def compile_if_stale() -> list[Path]:
    """Compile every catalogue whose .mo is missing or older than its .po."""
    done = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            done.append(compile_catalogue(po_path))
    return done
