"""What may leave the machine: excluded files and secret redaction.

Two guards stand between a learner's code and any cloud call:

- `is_excluded(path, extra_globs)`: files whose names say they hold secrets
  (`.env*`, `*secret*`, `*.pem`, `*.key`, ...) plus the user's globs are
  never sent at all.
- `redact(text)`: everything that is sent first has its secrets replaced by
  placeholders such as ``<REDACTED:aws-key>``: provider API keys and tokens,
  private key blocks, passwords in assignments and connection strings, bearer
  tokens, JWTs, and long high-entropy literals.

Redaction never changes the number of lines, so line numbers the model
returns still point at the learner's code. It errs on the side of redacting:
a placeholder costs the model a little context, a leaked key costs the learner
their account. Ordinary novice code (``secret = random.randint(1, 10)``,
``password = input("Password: ")``, long descriptive identifiers) is left alone.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from . import secret_scan
from .secret_scan import shannon_entropy

__all__ = ["DEFAULT_EXCLUDES", "MAX_LINE_CHARS", "MAX_REDACTED_CHARS", "is_excluded", "redact", "secret_spans",
           "shannon_entropy"]

log = logging.getLogger(__name__)

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".env*",
    "*secret*",
    "*.pem",
    "*.key",
    # Other usual homes of credentials.
    "*.p12",
    "*.pfx",
    "id_rsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*credentials*",
    ".netrc",
    ".pypirc",
)


def _as_posix(path: str) -> str:
    if path.startswith("file:"):
        path = unquote(urlsplit(path).path)
    return path.replace("\\", "/")


def is_excluded(path: str, extra_globs: Iterable[str] = ()) -> bool:
    """True if the file must never be sent to a cloud provider.

    `path` may be a filesystem path or a ``file://`` URI. A glob without a
    slash matches the file name (and any folder name on the way, so ``secrets``
    excludes everything under a ``secrets/`` folder); a glob with a slash
    matches the whole path (``**/private/**`` or ``*/private/*``). Matching
    ignores case: on the platforms where it matters, ``.ENV`` is ``.env``.
    """
    posix = _as_posix(path).lower()
    parts = [p for p in PurePosixPath(posix).parts if p not in ("/", "")]
    for glob in (*DEFAULT_EXCLUDES, *extra_globs):
        pattern = glob.strip().replace("\\", "/").lower()
        if not pattern:
            continue
        if "/" in pattern:
            if fnmatch.fnmatchcase(posix, pattern) or fnmatch.fnmatchcase(posix, "*/" + pattern.lstrip("/")):
                return True
            # `**/x/**` should also match a relative path starting with x/
            if pattern.startswith("**/") and fnmatch.fnmatchcase(posix, pattern[3:]):
                return True
        elif any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return True
    return False


# -- redaction -----------------------------------------------------------------------------

# What one call redacts at most. Files over 64 KB are never analyzed, and a line longer
# than 2,000 characters is data (a pasted blob, a minified table), not a learner's logic:
# it is replaced whole. Both bound the time of a call whatever the caller composes
# (chunk + context lines, notes, facts) and what can reach the model.
MAX_REDACTED_CHARS = 65_536
MAX_LINE_CHARS = 2_000
LONG_LINE = "<REDACTED:long-line>"
TRUNCATED = "<REDACTED:truncated>"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Which detector names a span, when several overlap: a vendor's rule says most.
_PRIORITY = {"vendor": 0, "format": 1, "name": 2}


def _placeholder(kind: str) -> str:
    return f"<REDACTED:{kind}>"


def _keep_lines(original: str, replacement: str) -> str:
    """A replacement followed by the line breaks of what it replaced, so line numbers hold."""
    return replacement + "".join(_LINE_BREAK.findall(original))


def _capped(text: str, limit: int, line_limit: int) -> str:
    """`text` with over-long lines replaced and everything past `limit` emptied, keeping
    every line break (the model's line numbers must still point at the learner's code)."""
    if len(text) <= limit and (len(text) <= line_limit or _longest_line(text) <= line_limit):
        return text  # the usual case
    out: list[str] = []
    used = 0
    pos = 0
    for match in _LINE_BREAK.finditer(text + "\n"):
        line, brk = text[pos : match.start()], match.group() if match.end() <= len(text) else ""
        pos = match.end()
        if used >= limit:
            out.append((TRUNCATED if used == limit else "") + brk)
            used = limit + 1
            continue
        if len(line) > line_limit:
            line = LONG_LINE
        if used + len(line) > limit:
            line = TRUNCATED
            used = limit
        else:
            used += len(line) + len(brk)
        out.append(line + brk)
    return "".join(out)


def _longest_line(text: str) -> int:
    """Length of the longest line (LSP's breaks: \\n, \\r\\n, \\r), in one pass at C speed."""
    return max(map(len, text.replace("\r", "\n").split("\n")))


def secret_spans(text: str) -> list[tuple[int, int, str]]:
    """Every secret in `text` as merged, non-overlapping (start, end, kind) spans."""
    found: list[tuple[int, int, int, str]] = []
    try:
        found += [(s, e, _PRIORITY["vendor"], k) for s, e, k in secret_scan.vendor_spans(text)]
    except Exception as error:  # noqa: BLE001 - a rule-set failure leaves the other detectors
        log.warning("Secret rule set failed on a text (%s); using the built-in patterns for it", error)
    found += [(s, e, _PRIORITY["format"], k) for s, e, k in secret_scan.format_spans(text)]
    found += [(s, e, _PRIORITY["name"], k) for s, e, k in secret_scan.name_spans(text)]
    found += [(s, e, _PRIORITY["name"], k) for s, e, k in secret_scan.bare_spans(text)]
    found.sort()
    merged: list[list] = []
    for start, end, priority, kind in found:
        if start >= end:
            continue
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if priority < last[2]:
                last[2], last[3] = priority, kind
        else:
            merged.append([start, end, priority, kind])
    return [(start, end, kind) for start, end, _, kind in merged]


def redact(text: str, *, limit: int = MAX_REDACTED_CHARS, line_limit: int = MAX_LINE_CHARS) -> tuple[str, int]:
    """Return `text` with every secret replaced by a placeholder, and how many were replaced.

    Line breaks are kept exactly (same number and kind), so line numbers the model returns
    point at the learner's code. Idempotent: placeholders are never redacted again.
    At most `limit` characters are kept and scanned, lines longer than `line_limit` are
    replaced whole: no caller can hand it an unbounded amount of work.
    """
    _scanned, redacted, spans = redaction(text, limit=limit, line_limit=line_limit)
    return redacted, len(spans)


def redaction(text: str, *, limit: int = MAX_REDACTED_CHARS, line_limit: int = MAX_LINE_CHARS
              ) -> tuple[str, str, list[tuple[int, int, str]]]:
    """`redact` in full: the text as scanned (capped), the redacted text, and the secrets' spans
    in the scanned text, for a caller that also needs to know what the secrets were."""
    text = _capped(text, limit, line_limit)
    spans = secret_spans(text)
    if not spans:
        return text, text, []
    out: list[str] = []
    pos = 0
    for start, end, kind in spans:
        out.append(text[pos:start])
        out.append(_keep_lines(text[start:end], _placeholder(kind)))
        pos = end
    out.append(text[pos:])
    return text, "".join(out), spans
