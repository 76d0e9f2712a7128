"""Where the memory lives on disk, and keeping it private to the user.

Everything the coach writes is the learner's: code fragments, mistakes, what they
read. Folders it creates are 0700 and files 0600, whatever the process umask:

- a coach process (`codecoach serve|analyze|...`) starts with umask 0o077
  (`restrict_new_files`), so every file any part of it creates (SQLite's -wal and
  -shm, Chroma's segment folders written by its Rust core, the cloud store) is
  private from birth;
- the stores also make their own files private (`private_file`, `tighten`), so
  the memory used as a library, or a data folder written by an older version,
  ends up the same.

Only what the coach owns is ever tightened: its data folder and the files it
names inside a folder the user pointed it at (`CHROMA_DB_PATH` may be a folder
that holds other things too), never a parent folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

APP_NAME = "codecoach"
DB_FILENAME = "events.sqlite3"
CHROMA_DIRNAME = "chroma"
PRIVATE_UMASK = 0o077
# SQLite's companions of a database file: they hold pages of it.
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """`override`, else $CODECOACH_DATA_DIR, else the platform's user data dir."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("CODECOACH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def restrict_new_files() -> int:
    """Make every file and folder this process creates from now on user-only; returns the old umask.

    For the coach's own processes (the CLI and the servers it starts), once at start: the
    umask is per process, and changing it back and forth while other threads create files
    would race. Nothing a coach process writes is meant for other users (the examples
    sandbox works in its own private temporary folder).
    """
    return os.umask(PRIVATE_UMASK)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) with mode 0700; tighten it if it already exists.

    The store holds the learner's code fragments and history: nobody else on
    the machine should read it. Only the directory we own is tightened, never
    a parent the user pointed us into.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _chmod_if_loose(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 if it does not exist; tighten it (and its SQLite
    companions) if it does.

    SQLite gives a database's -wal and -shm files the mode of the database file itself,
    so a database created this way keeps all three private whatever the umask.
    """
    if not os.path.lexists(path):
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600))
        except OSError:  # read-only folder, vanished folder: the store's own open reports it
            return path
    for suffix in SQLITE_SUFFIXES:
        _chmod_if_loose(Path(f"{path}{suffix}"), 0o600)
    return path


def tighten(paths: Iterable[Path]) -> None:
    """Folders 0700 and files 0600, recursively, for each of `paths` that exists.

    Symbolic links are neither followed nor changed. Errors (a file owned by someone
    else, a read-only mount) are skipped: this narrows access, it never fails a store.
    """
    for top in paths:
        try:
            is_dir = stat.S_ISDIR(top.lstat().st_mode)
        except OSError:
            continue
        if not is_dir:
            _chmod_if_loose(top, 0o600)
            continue
        _chmod_if_loose(top, 0o700)
        for root, dirs, files in os.walk(top):
            for name in dirs:
                _chmod_if_loose(Path(root, name), 0o700)
            for name in files:
                _chmod_if_loose(Path(root, name), 0o600)


def _chmod_if_loose(path: Path, mode: int) -> None:
    """Take away what group and others may do; the owner's own bits are left as they are."""
    try:
        st = path.lstat()
        current = stat.S_IMODE(st.st_mode)
        if not stat.S_ISLNK(st.st_mode) and current & 0o077:
            os.chmod(path, (current & 0o700) | (mode & 0o700))
    except OSError:
        pass


def chroma_path(base: Path) -> Path:
    """$CHROMA_DB_PATH (the legacy variable), else <data dir>/chroma."""
    env = os.environ.get("CHROMA_DB_PATH")
    return Path(env).expanduser() if env else base / CHROMA_DIRNAME
