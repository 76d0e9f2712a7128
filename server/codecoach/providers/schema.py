"""The structured answer asked of the model (pydantic, sent as responseJsonSchema).

Lenient on purpose: a model that returns difficulty 7 or an unknown kind still
yields a usable review (values are clamped or mapped to "other") instead of a
validation error that throws the whole answer away. Imported only when a cloud
call is about to be made (pydantic is not free at start-up).
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

KINDS: tuple[str, ...] = (
    "logic",
    "off-by-one",
    "edge-case",
    "infinite-loop",
    "wrong-return",
    "mutation",
    "scope",
    "type-confusion",
    "misconception",
    "naming",
    "readability",
    "efficiency",
    "other",
)


def normalize_kind(value: object) -> str:
    text = str(value or "").strip().lower().replace("_", "-").replace(" ", "-")
    return text if text in KINDS else "other"


class ConfusionPoint(BaseModel):
    start_line: int = Field(description="First line of the problem, using the line numbers shown beside the code.")
    end_line: int = Field(description="Last line of the problem (same numbering); equal to start_line for one line.")
    kind: str = Field(description="One of: " + ", ".join(KINDS) + ".")
    message: str = Field(description="One line (at most 100 characters) telling the learner what is wrong.")
    explanation: str = Field(description="Why it is a problem, in 1-3 plain sentences for a beginner.")
    concept: str = Field(description="The programming concept behind it, e.g. 'range() stops before its end'.")
    hint: str = Field(description="A nudge toward the fix: a question or a direction, never the corrected code.")

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: object) -> str:
        return normalize_kind(value)

    @field_validator("message", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> str:
        text = " ".join(str(value or "").split())
        return text if len(text) <= 140 else text[:137].rstrip() + "..."


class ChunkReview(BaseModel):
    chunk_id: str = Field(description="The id of the chunk as given in the prompt, e.g. 'c1'.")
    topic: str = Field(description="What the learner is trying to do in this chunk, as a short phrase.")
    concepts: list[str] = Field(default_factory=list, description="Python concepts the chunk uses.")
    difficulty: int = Field(description="How hard this code is for a beginner, 1 (easy) to 5 (hard).")
    confusion_points: list[ConfusionPoint] = Field(
        default_factory=list,
        description="Mistakes and misconceptions in the chunk; empty if there are none. "
        "Do not repeat problems listed as already reported.",
    )
    study_topics: list[str] = Field(default_factory=list, description="Up to 3 topics worth studying next.")

    @field_validator("difficulty", mode="before")
    @classmethod
    def _difficulty(cls, value: object) -> int:
        try:
            number = round(float(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return 3
        return min(5, max(1, number))


class CodeReview(BaseModel):
    chunks: list[ChunkReview] = Field(description="One review per chunk of code given.")
