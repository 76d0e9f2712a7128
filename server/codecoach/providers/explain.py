"""The explain use: a tailored explanation of one offline finding, for its hover."""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.findings import Finding, split_lines
from . import chunks as chunking
from .mapping import _FENCE, NO_SOLUTION
from .prompts import explain_messages
from .redactor import Redactor
from .review import past_notes

PURPOSE = "explain"


def digest(finding: Finding, region: str) -> str:
    """Unchanged code (comments and spacing do not count) around the same mistake: the same answer."""
    return f"{finding.rule_id}|{finding.message}|{chunking.normalized_hash(region)}"


def messages(finding: Finding, region: str, first_line: int, past: Sequence[str],
             redact: Redactor) -> list[tuple[str, str]]:
    return explain_messages(finding.rule_id, redact(finding.message), first_line, split_lines(redact(region)),
                            past_notes(past, redact))


def clean(text: object) -> str | None:
    """The coach teaches: code blocks are left out."""
    return _FENCE.sub(NO_SOLUTION, str(text or "")).strip() or None
