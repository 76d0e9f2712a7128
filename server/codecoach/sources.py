"""The learner's files as the command line sees them: which ones, how they are read, and how one
file's findings read in a terminal (`codecoach analyze`, `codecoach watch`)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache", "build", "dist"}


def python_files(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    """Expand folders; return the files and one message per path that does not exist."""
    files: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(_walk(path))
        elif path.exists():
            files.append(path)
        else:
            missing.append(f"codecoach: {raw}: no such file or folder")
    return files, missing


def skipped_dir(name: str) -> bool:
    """A folder the coach never reads: hidden ones, virtual environments, caches, build output."""
    return name in SKIP_DIRS or name.startswith(".")


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not skipped_dir(d))
        for name in sorted(names):
            if name.endswith(".py"):
                yield Path(root) / name


def read_source(path: Path) -> str:
    """The file's text, or a ValueError with a message a learner can act on."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(f"{path}: cannot read it ({error.strerror or error})") from None
    if b"\x00" in data:
        raise ValueError(f"{path}: looks like a binary file, not Python source; skipped")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}: is not UTF-8 text (byte {error.start} cannot be decoded); "
            "save it as UTF-8 in your editor and try again"
        ) from None


def file_report(path: str, findings: Sequence[dict], concepts: dict[str, int]) -> str:
    """One file's block of `codecoach analyze` text, from findings as `Finding.to_json()` gives them
    (so `codecoach watch` prints what arrives over the WebSocket in the same words)."""
    from .analysis.concepts import label

    lines = [f"{path}"]
    if not findings:
        lines.append("  no mistakes found")
    for f in findings:
        lines.append(f"  {f['line']}:{f['column']}  {f['severity']:<11} {f['rule']}  {f['message']}")
    if concepts:
        used = ", ".join(f"{label(c)} ({n})" for c, n in Counter(concepts).most_common(8))
        lines.append(f"  concepts: {used}")
    return "\n".join(lines) + "\n"
