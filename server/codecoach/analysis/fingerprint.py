"""What makes code, and a finding on it, "the same" across edits and restarts.

`normalized_hash` fingerprints code by its tokens, so re-indenting, respacing
or adding a comment never makes it different. `occurrence_key` is a finding's
identity within its file: the rule, the fingerprint of the line it starts on
(not its line number, so it follows the code when lines move) and its message
(which names what on that line is wrong: two undefined names on one line are
two mistakes). `numbered_occurrences` tells apart identical mistakes on
identical lines by their order in the file.

The document session uses these keys for new and fixed mistakes between
pauses, and the memory for occurrences that outlive the process.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import tokenize
import warnings
from collections.abc import Iterable, Sequence

from .findings import Finding

OccurrenceKey = tuple[str, str, str]  # (rule id, code fingerprint, message)
NumberedKey = tuple[str, str, str, int]  # ... and which copy, in file order


def normalized_hash(code: str) -> str:
    """Hash of the code's tokens, ignoring comments, blank lines and spacing."""
    parts: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for tok in tokenize.generate_tokens(io.StringIO(code).readline):
                if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
                    continue
                if tok.type == tokenize.INDENT:
                    parts.append("<in>")
                elif tok.type == tokenize.DEDENT:
                    parts.append("<de>")
                elif tok.type == tokenize.NEWLINE:
                    parts.append("<nl>")
                else:
                    parts.append(tok.string)
        normalized = " ".join(parts)
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        # Mid-edit code that does not tokenize: strip comments and spacing line by line.
        lines = []
        for line in code.splitlines():
            stripped = re.sub(r"\s+#[^'\"]*$|^\s*#.*$", "", line).strip()
            if stripped:
                indent = len(line) - len(line.lstrip())
                lines.append(f"{indent}:" + re.sub(r"\s+", " ", stripped))
        normalized = "\n".join(lines)
    return hashlib.blake2b(normalized.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@functools.lru_cache(maxsize=4096)
def line_fingerprint(text: str) -> str:
    """The fingerprint of one line of code, wherever it is indented (cached: called per finding)."""
    return normalized_hash(text.strip())


def line_text(lines: Sequence[str], line: int) -> str:
    return lines[line] if 0 <= line < len(lines) else ""


def occurrence_key(finding: Finding, lines: Sequence[str]) -> OccurrenceKey:
    """The finding's identity in its file: rule, fingerprint of its first line, message."""
    return (finding.rule_id, line_fingerprint(line_text(lines, finding.span.start.line)), finding.message)


def numbered_occurrences(findings: Iterable[Finding], lines: Sequence[str]) -> dict[NumberedKey, Finding]:
    """Each finding under its key and its copy number (0, 1, ... in file order), in the
    order given. The same finding listed twice (same key, same position) counts once."""
    listed = list(findings)
    numbered: dict[int, NumberedKey] = {}
    copies: dict[OccurrenceKey, set[tuple[int, int]]] = {}
    for i in sorted(range(len(listed)), key=lambda i: (listed[i].span.start.line, listed[i].span.start.column)):
        f = listed[i]
        key = occurrence_key(f, lines)
        positions = copies.setdefault(key, set())
        position = (f.span.start.line, f.span.start.column)
        if position not in positions:
            numbered[i] = (*key, len(positions))
            positions.add(position)
    return {numbered[i]: listed[i] for i in range(len(listed)) if i in numbered}
