"""The review use: changed chunks of a settled file -> Gemini's confusion points.

What to send (the batch, its context lines, what the offline rules already
reported, the learner's past struggles) and how an answer becomes the cached,
chunk-relative payloads; the pipeline itself (budget, cache, breaker, status)
is the analyst's.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.findings import Finding, Source, split_lines
from . import chunks as chunking
from .mapping import payload_to_findings, review_to_payload
from .prompts import PromptChunk, analysis_messages
from .redactor import Redactor

PURPOSE = "review"
MAX_PAST_CONTEXT = 8
MAX_REPORTED_PER_CHUNK = 10


def past_notes(past: Sequence[str], redact: Redactor) -> list[str]:
    """What the learner struggled with before, short and redacted (shared with explanations)."""
    return [redact(str(note)[:300]) for note in list(past)[:MAX_PAST_CONTEXT]]


def messages(batch: Sequence[chunking.Chunk], lines: Sequence[str], offline: Sequence[Finding],
             past: Sequence[str], redact: Redactor) -> list[tuple[str, str]]:
    prompt_chunks = []
    for index, chunk in enumerate(batch, 1):
        shown = redact("".join(lines[chunk.context_first : chunk.context_last + 1]))
        reported = [redact(f"line {f.span.start.line + 1}: {f.message}") for f in offline
                    if f.span.overlaps_lines(chunk.first, chunk.last) and f.source != Source.GEMINI]
        prompt_chunks.append(PromptChunk(
            id=f"c{index}", name=chunk.name, first_line=chunk.first, last_line=chunk.last,
            context_first=chunk.context_first, text_lines=tuple(split_lines(shown)),
            already_reported=tuple(reported[:MAX_REPORTED_PER_CHUNK]),
        ))
    return analysis_messages(prompt_chunks, past_notes(past, redact))


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
