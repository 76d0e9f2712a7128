"""The one type every analyzer produces and every front end consumes.

Positions are 0-based lines and *code point* columns of the analyzed text.
Front ends convert them to whatever their protocol needs (the LSP layer to the
negotiated position encoding); the domain never sees UTF-16 or UTF-8 units.
"""

from __future__ import annotations

import enum
import functools
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

# Every diagnostic links to its rule's entry on the rules page. By default that is the HTML
# rendering shipped inside the package (a file: URI that exists wherever the package is
# installed, offline too); a classroom or a published copy sets CODECOACH_RULES_URL to a
# public page with the same anchors (e.g. https://coach.example.org/rules).
RULES_URL_ENV = "CODECOACH_RULES_URL"
RULES_PAGE = Path(__file__).resolve().parent.parent / "docs" / "rules.html"
# Gemini's findings have open-ended kinds; they share one section of the rules page.
GEMINI_ANCHOR = "gemini-findings"


@functools.cache
def rules_page_url() -> str:
    """The rules page diagnostics link to (read once per process)."""
    configured = os.environ.get(RULES_URL_ENV, "").strip()
    if configured.startswith(("https://", "http://")):
        return configured.split("#", 1)[0]
    if configured:
        logging.getLogger("codecoach").warning(
            "%s=%r is not an http(s) URL; rule links point at the page shipped with Code Coach", RULES_URL_ENV,
            configured)
    return RULES_PAGE.as_uri()


class Severity(enum.IntEnum):
    """Ordered so that a smaller value is more urgent, like LSP's."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except (KeyError, AttributeError):
            raise ValueError(
                f"unknown severity {value!r}; use one of "
                + ", ".join(s.name.lower() for s in cls)
            ) from None


class Source(str, enum.Enum):
    RULES = "rules"
    SYNTAX = "syntax"
    NAMES = "names"
    BEHAVIOUR = "behaviour"
    GEMINI = "gemini"
    # Findings from running the learner's own examples (codecoach.runner).
    EXAMPLES = "examples"


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, column: int, end_line: int, end_column: int) -> Span:
        return cls(Position(line, column), Position(end_line, end_column))

    def shifted(self, lines: int) -> Span:
        return Span(
            Position(self.start.line + lines, self.start.column),
            Position(self.end.line + lines, self.end.column),
        )

    def contains(self, pos: Position) -> bool:
        return self.start <= pos <= self.end

    def overlaps_lines(self, first: int, last: int) -> bool:
        return self.start.line <= last and self.end.line >= first


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, broken only where Python and LSP break them.

    `str.splitlines` also breaks at form feeds, U+2028 and friends, which would
    shift every line number after them relative to the AST and the editor.
    """
    lines, start = [], 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text) or not lines:
        lines.append(text[start:])
    return lines


def code_point_column(lines: list[str], line: int, byte_col: int) -> int:
    """Python's AST and pyflakes count columns in UTF-8 bytes; findings use code points."""
    if not 0 <= line < len(lines):
        return byte_col
    text = lines[line]
    if text.isascii():
        return byte_col
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))


@dataclass(frozen=True)
class Explanation:
    """What a tutor would say: never the corrected program."""

    why: str
    idea: str
    hint: str
    docs_url: str

    def as_markdown(self, title: str) -> str:
        return (
            f"**{title}**\n\n"
            f"**Why it matters.** {self.why}\n\n"
            f"**The idea.** {self.idea}\n\n"
            f"**Hint.** {self.hint}\n\n"
            f"[Read more in the Python docs]({self.docs_url})"
        )

    def as_plaintext(self, title: str) -> str:
        return (
            f"{title}\n\n"
            f"Why it matters: {self.why}\n\n"
            f"The idea: {self.idea}\n\n"
            f"Hint: {self.hint}\n\n"
            f"Read more: {self.docs_url}"
        )


@dataclass(frozen=True)
class Finding:
    rule_id: str
    span: Span
    severity: Severity
    message: str
    explanation: Explanation
    concepts: tuple[str, ...]
    source: Source = Source.RULES
    # Extra, rule-specific text appended to the hover (e.g. "rewritten 6 times").
    detail: str = ""
    # Presentation hints for editors: "unnecessary" code is faded rather than underlined.
    tags: tuple[str, ...] = ()

    @property
    def docs_href(self) -> str:
        anchor = GEMINI_ANCHOR if self.source is Source.GEMINI else self.rule_id.lower()
        return f"{rules_page_url()}#{anchor}"

    def shifted(self, lines: int) -> Finding:
        return self if lines == 0 else replace(self, span=self.span.shifted(lines))

    def hover_markdown(self) -> str:
        text = self.explanation.as_markdown(f"{self.rule_id}: {self.message}")
        if self.detail:
            text = f"{self.detail}\n\n{text}"
        return text

    def hover_plaintext(self) -> str:
        text = self.explanation.as_plaintext(f"{self.rule_id}: {self.message}")
        if self.detail:
            text = f"{self.detail}\n\n{text}"
        return text

    def to_json(self) -> dict:
        return {
            "rule": self.rule_id,
            "line": self.span.start.line + 1,
            "column": self.span.start.column + 1,
            "end_line": self.span.end.line + 1,
            "end_column": self.span.end.column + 1,
            "severity": self.severity.name.lower(),
            "message": self.message,
            "concepts": list(self.concepts),
            "source": self.source.value,
            "why": self.explanation.why,
            "idea": self.explanation.idea,
            "hint": self.explanation.hint,
            "docs": self.explanation.docs_url,
            "rule_page": self.docs_href,
            "detail": self.detail,
        }
