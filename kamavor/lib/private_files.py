"""Files Kamavor writes are its own: folders 0700, files 0600, whatever the shell's umask.

The data folder holds the SQLite database (and its -wal and -shm, which hold recent writes in
clear), the secret and encryption keys, exports and backups. Another account on the same
computer must read none of them. A process umask of 0o077 makes everything created from the
start private; `make_private` fixes what an older version, or a copy, left readable.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_umask() -> None:
    """From now on this process creates folders 0700 and files 0600."""
    os.umask(PRIVATE_UMASK)


def _tighten(path: Path, wanted: int) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return  # never follow a link, nor touch another account's file
    if stat.S_IMODE(info.st_mode) & ~wanted:
        path.chmod(stat.S_IMODE(info.st_mode) & wanted)


def make_private(folder: Path) -> None:
    """Create the folder if needed and take group and others' rights from it and everything
    in it (the owner's rights stay as they are)."""
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    _tighten(folder, FOLDER_MODE)
    for root, folders, files in os.walk(folder):
        for name in folders:
            _tighten(Path(root) / name, FOLDER_MODE)
        for name in files:
            _tighten(Path(root) / name, FILE_MODE)


def make_files_private(paths: Iterable[Path]) -> None:
    """Take group and others' rights from these files, where they exist (a database kept
    outside the data folder, with its -wal and -shm)."""
    for path in paths:
        _tighten(path, FILE_MODE)
