"""The `/ws/stream` messages, both ways (docs/web.md), and what a document path may be.

Client -> server (JSON text frames):
    {"type": "change", "path": "lesson.py", "version": 3, "text": "..."}   the whole text
    {"type": "close", "path": "lesson.py"}
    {"type": "subscribe"}        also send me every document's analyses (the dashboard)

Server -> client:
    {"type": "analysis", "path", "version", "findings": [...], "concepts": {...}, "parsed", "total"}
        findings as `codecoach analyze --json` prints them; several per version when live
        examples or Gemini add findings later (each one is the whole list: replace, don't append)
    {"type": "status", ...}      the `codecoach/status` payload
    {"type": "remembered", "path"}   what was shown of the file is now in the memory
    {"type": "error", "message"}     the connection stays open

A path is a name the learner knows the file by, never a file the server opens: it is
checked (relative, no `..`, ends in `.py`) and used only as a key and a label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..analysis.document import Report
from ..live import MAX_PUBLISHED, most_urgent

# Incoming frames larger than this are refused with an error (the connection stays open).
# The socket itself refuses frames over HARD_FRAME_BYTES by closing with 1009, so that no
# client can make the server buffer more than that.
MAX_MESSAGE_BYTES = 1024 * 1024
HARD_FRAME_BYTES = 2 * MAX_MESSAGE_BYTES
MAX_PATH_CHARS = 255


class BadMessage(ValueError):
    """A message the server cannot act on; its text goes back to the client as an error."""


@dataclass(frozen=True)
class Change:
    path: str
    version: int
    text: str


@dataclass(frozen=True)
class Close:
    path: str


@dataclass(frozen=True)
class Subscribe:
    pass


Message = Change | Close | Subscribe


def document_path(raw: Any) -> str:
    """The normalized path of a document ('lessons/lesson.py'), or BadMessage saying what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadMessage("path must be a non-empty string such as 'lesson.py'")
    if len(raw) > MAX_PATH_CHARS:
        raise BadMessage(f"path is longer than {MAX_PATH_CHARS} characters")
    if any(ord(c) < 32 or c == "\x7f" for c in raw):
        raise BadMessage("path must not contain control characters")
    if "\\" in raw:
        raise BadMessage(f"path {raw!r} uses '\\'; separate folders with '/'")
    path = PurePosixPath(raw)
    if path.is_absolute() or ":" in path.parts[0]:
        raise BadMessage(f"path {raw!r} must be relative (like 'lessons/lesson.py'), not absolute")
    if ".." in path.parts:
        raise BadMessage(f"path {raw!r} must not contain '..'")
    if path.suffix != ".py" or path.name.startswith("."):
        raise BadMessage(f"path {raw!r} must name a Python file ending in .py")
    return str(path)


def parse(frame: str) -> Message:
    """One client frame as a message, or BadMessage with a sentence for the client."""
    if len(frame) > MAX_MESSAGE_BYTES or len(frame.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        raise BadMessage(f"message too large: at most {MAX_MESSAGE_BYTES // 1024} KB per message")
    try:
        data = json.loads(frame)
    except json.JSONDecodeError as error:
        raise BadMessage(f"malformed JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    if not isinstance(data, dict):
        raise BadMessage("a message is a JSON object with a \"type\"")
    kind = data.get("type")
    if kind == "change":
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise BadMessage("change: version must be a whole number, 0 or more, that grows with each change")
        text = data.get("text")
        if not isinstance(text, str):
            raise BadMessage("change: text must be the whole text of the file, as a string")
        return Change(document_path(data.get("path")), version, text)
    if kind == "close":
        return Close(document_path(data.get("path")))
    if kind == "subscribe":
        return Subscribe()
    raise BadMessage(f"unknown message type {kind!r}; send change, close or subscribe")


# -- server -> client ----------------------------------------------------------------------
def _dump(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def analysis(path: str, version: int, report: Report) -> str:
    """A report as the client sees it; at most MAX_PUBLISHED findings, the most urgent ones."""
    shown = most_urgent(report.findings, MAX_PUBLISHED)
    return _dump({
        "type": "analysis", "path": path, "version": version,
        "findings": [f.to_json() for f in shown],
        "concepts": dict(report.analysis.concepts.most_common()),
        "parsed": report.analysis.syntax_ok,
        "total": len(report.findings),
    })


def skipped(path: str, version: int, notice: str) -> str:
    """The file is not analyzed (too large): no findings, and why (said once per document)."""
    return _dump({"type": "analysis", "path": path, "version": version, "findings": [], "concepts": {},
                  "parsed": None, "total": 0, "notice": notice})


def status(payload: dict) -> str:
    return _dump({"type": "status", **payload})


def remembered(path: str) -> str:
    return _dump({"type": "remembered", "path": path})


def error(message: str) -> str:
    return _dump({"type": "error", "message": message})
