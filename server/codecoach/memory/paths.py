"""Where the memory lives on disk, created private to the user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

APP_NAME = "codecoach"
DB_FILENAME = "events.sqlite3"
CHROMA_DIRNAME = "chroma"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """`override`, else $CODECOACH_DATA_DIR, else the platform's user data dir."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("CODECOACH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) with mode 0700; tighten it if it already exists.

    The store holds the learner's code fragments and history: nobody else on
    the machine should read it. Only the directory we own is tightened, never
    a parent the user pointed us into.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(0o700)
    except OSError:  # pragma: no cover - e.g. a read-only or foreign-owned dir
        pass
    return path


def chroma_path(base: Path) -> Path:
    """$CHROMA_DB_PATH (the legacy variable), else <data dir>/chroma."""
    env = os.environ.get("CHROMA_DB_PATH")
    return Path(env).expanduser() if env else base / CHROMA_DIRNAME
