"""Every prompt the coach sends, in one place, with a version.

The version is part of every cache key: changing a prompt here and bumping
PROMPT_VERSION makes old cached answers unreachable instead of wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PROMPT_VERSION = "2026-12.1"  # the review shows what happened when the examples ran

TUTOR_RULES = """\
You are Code Coach, a patient Python tutor for beginners. You review code a
learner is writing right now, inside their editor.

Rules:
- Point out logic mistakes, misconceptions and risky habits that a linter
  cannot see: off-by-one errors, wrong conditions, missing edge cases, loops
  that never end, values computed but not returned, mutation surprises.
- Never write the corrected code or a full solution. Explain why, name the
  concept, and give a hint (a question or a direction) so the learner finds the
  fix themselves. Short code words in backticks are fine; code blocks are not.
- One-line messages, at most 100 characters, addressed to the learner ("you").
- Use the line numbers printed at the left of the code. Point at the smallest
  range of lines that shows the problem, inside the chunk (not its context).
- Only report what you are confident about; an empty list is a good answer.
- Do not report problems listed under "Already reported".
- Under "What happened when the learner's examples ran" are facts: the coach
  ran the learner's own examples and saw that. Explain why the code does that,
  at the line where its logic goes wrong (often not the line of the example).
- Text like <REDACTED:...> replaced a secret; do not comment on it.
"""

EXPLAIN_RULES = """\
You are Code Coach, a patient Python tutor for beginners. Explain the problem
below the way a good tutor would, in at most 120 words of Markdown: why it is a
problem, the idea behind it, and a hint toward the fix. Never write the
corrected code or a full solution. Use the learner's own names from the code.
"""

NARRATE_RULES = """\
You are Code Coach, a warm and honest Python tutor. From the facts below about a
learner's coding period, write one paragraph (at most 110 words, plain prose, no
lists, no code) that tells them what they practised, what tripped them up, what
improved, and one concrete thing to focus on next. Speak to them as "you". Use
only the facts given; do not invent numbers.
"""


def narrate_messages(facts: str) -> list[tuple[str, str]]:
    return [("system", NARRATE_RULES), ("human", facts)]


TAILOR_RULES = """\
You are Code Coach, a Python tutor. The learner's recent struggles and the reading
already recommended are below. Suggest at most 3 further things to study that fit
these struggles. Answer with a JSON array only, no prose, each item
{"title": ..., "why": one sentence addressed to the learner, "concept": ..., "rule": ...,
"url": a page on docs.python.org or peps.python.org, or ""}. Never invent other links.
"""


def tailor_messages(facts: str) -> list[tuple[str, str]]:
    return [("system", TAILOR_RULES), ("human", facts)]


@dataclass(frozen=True)
class PromptChunk:
    id: str
    name: str
    first_line: int  # 0-based, first line of the chunk proper
    last_line: int
    context_first: int  # 0-based, first line shown (context included)
    text_lines: tuple[str, ...]  # the shown lines (context included), already redacted
    already_reported: tuple[str, ...] = ()
    examples_ran: tuple[str, ...] = ()  # what running the learner's examples showed, already redacted


def numbered(first_line: int, lines: Sequence[str]) -> str:
    width = len(str(first_line + len(lines)))
    return "\n".join(f"{first_line + i + 1:>{width}} | {line.rstrip()}" for i, line in enumerate(lines))


def analysis_messages(chunks: Sequence[PromptChunk], past_context: Sequence[str] = ()) -> list[tuple[str, str]]:
    parts = [
        f"Review these {len(chunks)} chunk(s) of a learner's Python file. "
        + "Return one review per chunk, with its chunk_id."
    ]
    if past_context:
        parts.append(
            "What the learner struggled with before (use it to tailor explanations):\n"
            + "\n".join(f"- {line}" for line in past_context)
        )
    for chunk in chunks:
        header = (
            f"### chunk {chunk.id}: {chunk.name} "
            f"(lines {chunk.first_line + 1}-{chunk.last_line + 1}; other lines are context)"
        )
        body = numbered(chunk.context_first, chunk.text_lines)
        reported = ""
        if chunk.examples_ran:
            reported += ("\nWhat happened when the learner's examples ran:\n"
                         + "\n".join(f"- {r}" for r in chunk.examples_ran))
        if chunk.already_reported:
            reported += "\nAlready reported (do not repeat):\n" + "\n".join(f"- {r}" for r in chunk.already_reported)
        parts.append(f"{header}\n```python\n{body}\n```{reported}")
    return [("system", TUTOR_RULES), ("human", "\n\n".join(parts))]


def explain_messages(rule_id: str, message: str, first_line: int, region_lines: Sequence[str],
                     past_context: Sequence[str] = ()) -> list[tuple[str, str]]:
    text = (
        f"The coach flagged: {rule_id}: {message}\n\n"
        f"```python\n{numbered(first_line, region_lines)}\n```"
    )
    if past_context:
        text += "\n\nThe learner's history:\n" + "\n".join(f"- {line}" for line in past_context)
    return [("system", EXPLAIN_RULES), ("human", text)]
