"""The review use: changed chunks of a settled file -> Gemini's confusion points.

What to send (the batch, its context lines, what the offline rules already
reported, the learner's past struggles) and how an answer becomes the cached,
chunk-relative payloads; the pipeline itself (budget, cache, breaker, status)
is the analyst's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from ..analysis.findings import Finding, Source, split_lines
from . import chunks as chunking
from .mapping import payload_to_findings, review_to_payload
from .prompts import PromptChunk, analysis_messages
from .redactor import Redactor

PURPOSE = "review"
MAX_PAST_CONTEXT = 8
MAX_REPORTED_PER_CHUNK = 10
MAX_EXAMPLES_PER_CHUNK = 4  # the failures that matter most come first; more says little more
MAX_EXAMPLE_CHARS = 700  # one failure: its message, expected vs actual, arguments, the exception


def past_notes(past: Sequence[str], redact: Redactor) -> list[str]:
    """What the learner struggled with before, short and redacted (shared with explanations)."""
    return [redact(str(note)[:300]) for note in list(past)[:MAX_PAST_CONTEXT]]


def messages(batch: Sequence[chunking.Chunk], lines: Sequence[str], offline: Sequence[Finding],
             past: Sequence[str], redact: Redactor) -> list[tuple[str, str]]:
    prompt_chunks = []
    for index, chunk in enumerate(batch, 1):
        shown = redact("".join(lines[chunk.context_first : chunk.context_last + 1]))
        inside = [f for f in offline if f.span.overlaps_lines(chunk.first, chunk.last)]
        reported = [redact(f"line {f.span.start.line + 1}: {f.message}") for f in inside
                    if f.source not in (Source.GEMINI, Source.EXAMPLES)]
        ran = [redact(example_fact(f)) for f in _by_urgency(f for f in inside if f.source is Source.EXAMPLES)]
        prompt_chunks.append(PromptChunk(
            id=f"c{index}", name=chunk.name, first_line=chunk.first, last_line=chunk.last,
            context_first=chunk.context_first, text_lines=tuple(split_lines(shown)),
            already_reported=tuple(reported[:MAX_REPORTED_PER_CHUNK]),
            examples_ran=tuple(ran[:MAX_EXAMPLES_PER_CHUNK]),
        ))
    return analysis_messages(prompt_chunks, past_notes(past, redact))


def example_fact(finding: Finding) -> str:
    """One example finding as the model reads it: where, what, and the details the coach saw
    (expected vs actual, the arguments, the exception and the values), on one line each."""
    detail = "; ".join(line.strip().lstrip("- ") for line in finding.detail.splitlines() if line.strip())
    text = f"line {finding.span.start.line + 1}: {finding.message}" + (f" ({detail})" if detail else "")
    return text if len(text) <= MAX_EXAMPLE_CHARS else text[: MAX_EXAMPLE_CHARS - 1] + "…"


def _by_urgency(findings) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity, f.span.start))


def keyed_by_examples(chunks: Sequence[chunking.Chunk], findings: Sequence[Finding],
                      lines: Sequence[str]) -> list[chunking.Chunk]:
    """The chunks, each keyed also by which of its examples failed and how (rule and line text,
    not the values, which can vary from run to run): the same code reviewed while its examples
    failed is a different question from the one asked while they passed, or had not run."""
    keyed = []
    for chunk in chunks:
        facts = sorted({(f.rule_id, _text(lines, f.span.start.line)) for f in findings
                        if f.source is Source.EXAMPLES and f.span.overlaps_lines(chunk.first, chunk.last)})
        if facts:
            mixed = hashlib.blake2b(f"{chunk.digest}|{facts!r}".encode("utf-8", "surrogatepass"), digest_size=16)
            chunk = replace(chunk, digest=mixed.hexdigest())
        keyed.append(chunk)
    return keyed


def _text(lines: Sequence[str], line: int) -> str:
    return lines[line].strip() if 0 <= line < len(lines) else ""


def payloads(answer: dict | None, batch: Sequence[chunking.Chunk], lines: Sequence[str]) -> dict[str, dict]:
    """The cached form of each chunk's review, by chunk digest (an empty review for a chunk
    the model skipped, so it is not asked again)."""
    reviews = {}
    for review in (answer or {}).get("chunks", []):
        reviews[str(review.get("chunk_id", "")).strip()] = review
    out = {}
    for index, chunk in enumerate(batch, 1):
        review = reviews.get(f"c{index}") or (reviews.get(str(index)) if len(batch) > 1 else
                                              next(iter(reviews.values()), None))
        out[chunk.digest] = review_to_payload(review or {}, chunk, lines)
    return out


def findings(all_chunks: Sequence[chunking.Chunk], cached: dict[str, dict], lines: Sequence[str],
             model: str) -> tuple[list[Finding], list[dict]]:
    """The findings of every reviewed chunk, and per chunk its topic, concepts and difficulty."""
    found: list[Finding] = []
    reviews: list[dict] = []
    for chunk in all_chunks:
        payload = cached.get(chunk.digest)
        if payload is not None:
            found.extend(payload_to_findings(payload, chunk, lines, model))
            reviews.append({"chunk": chunk.name, "firstLine": chunk.first, "lastLine": chunk.last,
                            **{k: payload.get(k) for k in ("topic", "concepts", "difficulty", "study_topics")}})
    found.sort(key=lambda f: (f.span.start, f.rule_id))
    return found, reviews
