"""From a model's review to Findings, and the cache form in between.

A review is kept per chunk, with line numbers *relative* to the chunk and the
text of the line each point starts on (its anchor). Re-applied to the chunk as
it sits now, a cached review still lands on the right line after code above it
moved, or after a comment was added inside it (the normalized hash did not
change, so no new request was made).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote_plus

from ..analysis.findings import Explanation, Finding, Severity, Source, Span
from .chunks import Chunk

RULE_PREFIX = "GEM-"
_WARNING_KINDS = {"logic", "off-by-one", "edge-case", "infinite-loop", "wrong-return", "mutation", "scope",
                  "type-confusion"}
_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
NO_SOLUTION = "(code left out: try writing it yourself)"


def no_solution(text: str) -> str:
    """The coach teaches; it does not hand out code blocks."""
    return " ".join(_FENCE.sub(NO_SOLUTION, str(text or "")).split())


def review_to_payload(review: dict, chunk: Chunk, lines: Sequence[str]) -> dict:
    """A model review of one chunk (absolute, 1-based lines) -> the cached, chunk-relative form."""
    points = []
    for point in review.get("confusion_points") or []:
        start = _as_int(point.get("start_line"), chunk.first + 1) - 1
        end = _as_int(point.get("end_line"), start + 1) - 1
        start, end = sorted((start, end))
        start = min(max(start, chunk.first), chunk.last)
        end = min(max(end, start), chunk.last)
        points.append({
            "rel_start": start - chunk.first,
            "rel_end": end - chunk.first,
            "anchor": _line(lines, start).strip(),
            "kind": str(point.get("kind") or "other"),
            "message": " ".join(str(point.get("message") or "").split())[:140],
            "explanation": no_solution(point.get("explanation", "")),
            "concept": " ".join(str(point.get("concept") or "").split())[:80],
            "hint": no_solution(point.get("hint", "")),
        })
    return {
        "topic": str(review.get("topic") or ""),
        "concepts": [str(c) for c in review.get("concepts") or []][:10],
        "difficulty": _as_int(review.get("difficulty"), 3),
        "study_topics": [str(t) for t in review.get("study_topics") or []][:5],
        "points": [p for p in points if p["message"]],
    }


def payload_to_findings(payload: dict, chunk: Chunk, lines: Sequence[str], model: str = "") -> list[Finding]:
    findings = []
    for point in payload.get("points", []):
        start = chunk.first + int(point["rel_start"])
        end = chunk.first + int(point["rel_end"])
        anchor = point.get("anchor", "")
        if anchor and _line(lines, start).strip() != anchor:
            moved = _find_anchor(lines, chunk, anchor, start)
            if moved is not None:
                end, start = end + (moved - start), moved
        start = min(max(start, chunk.first), chunk.last)
        end = min(max(end, start), chunk.last)
        start_text, end_text = _line(lines, start), _line(lines, end)
        start_col = len(start_text) - len(start_text.lstrip())
        end_col = len(end_text.rstrip("\r\n"))
        if end == start and end_col <= start_col:
            end_col = start_col + 1
        kind = point.get("kind") or "other"
        concept = point.get("concept") or kind.replace("-", " ")
        topic = payload.get("topic", "")
        findings.append(Finding(
            rule_id=RULE_PREFIX + kind.upper(),
            span=Span.of(start, start_col, end, end_col),
            severity=Severity.WARNING if kind in _WARNING_KINDS else Severity.INFORMATION,
            message=point["message"],
            explanation=Explanation(
                why=point.get("explanation") or point["message"],
                idea=f"This is about {concept}." if concept else "",
                hint=point.get("hint") or "Read the lines again and predict what each one does.",
                docs_url="https://docs.python.org/3/search.html?q=" + quote_plus(concept),
            ),
            concepts=tuple(c for c in (concept,) if c),
            source=Source.GEMINI,
            detail=f"From the cloud coach ({model})" + (f", while you work on: {topic}" if topic else "") if model
            else "",
        ))
    return findings


def merge_findings(offline: Iterable[Finding], cloud: Iterable[Finding]) -> list[Finding]:
    """Offline findings plus the cloud findings that do not repeat one of them.

    A cloud finding starting on the same line as an offline rule's finding is
    a duplicate: the curated offline explanation wins.
    """
    offline = list(offline)
    taken = {f.span.start.line for f in offline if f.source in (Source.RULES, Source.SYNTAX, Source.NAMES)}
    merged = offline + [f for f in cloud if f.span.start.line not in taken]
    merged.sort(key=lambda f: (f.span.start, f.rule_id))
    return merged


def _find_anchor(lines: Sequence[str], chunk: Chunk, anchor: str, near: int) -> int | None:
    candidates = [n for n in range(chunk.first, chunk.last + 1) if _line(lines, n).strip() == anchor]
    return min(candidates, key=lambda n: abs(n - near)) if candidates else None


def _line(lines: Sequence[str], index: int) -> str:
    return lines[index] if 0 <= index < len(lines) else ""


def _as_int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
