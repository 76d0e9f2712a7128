"""The JSON endpoints: each one a few lines over the `Coach`, answered on the services worker.

The payloads are the LSP commands' (docs/services.md): they come from the same Coach
methods. Bad parameters get a 422 with one sentence in `detail`.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Body, HTTPException, Query, Request
from pydantic import BaseModel, Field, StrictBool

from .. import __version__
from ..analysis.concepts import concept_slug, unknown_concept
from ..services import Cancelled
from .protocol import BadMessage, document_path

log = logging.getLogger("codecoach")

router = APIRouter()

RULE_PATTERN = r"^[A-Za-z]{2,4}[-_A-Za-z0-9]{1,60}$"


def _state(request: Request):
    return request.app.state.web


async def _answer(request: Request, job):
    """Run `job(cancelled)` on the services worker; a ValueError from a service is the caller's mistake."""
    try:
        return await _state(request).live.answer(job)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    except Cancelled:
        raise HTTPException(503, "the answer was cancelled; ask again") from None


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str = __version__


@router.get("/health", response_model=Health, summary="Is the server up? (no token needed)")
async def health() -> Health:
    return Health()


@router.get("/insights", summary="Key mistakes, topics and topic difficulty, per file and for all files",
            description="The payload of the editor's Show Insights (docs/services.md, Insights): the files "
                        "streamed now first, then the files of the last 30 days.")
async def insights(request: Request) -> dict:
    coach = _state(request).coach
    return await _answer(request, lambda cancelled: coach.insights(cancelled=cancelled))


@router.get("/recommendations", summary="Learning material for recent struggles",
            description="The payload of Show Recommendations (docs/services.md, Recommendations). Each call "
                        "is remembered so the next one rotates to other material.")
async def recommendations(
    request: Request,
    concept: Annotated[str | None, Query(max_length=64, description="only material for this concept: a slug "
                                         "such as loops or a label such as While loops")] = None,
    limit: Annotated[int, Query(ge=1, le=50, description="at most this many items")] = 8,
) -> dict:
    slug = None
    if concept is not None and concept.strip():
        slug = concept_slug(concept)
        if slug is None:
            raise HTTPException(422, unknown_concept(concept))
    coach = _state(request).coach
    return await _answer(request, lambda cancelled: coach.recommendations(slug, limit, cancelled=cancelled))


@router.get("/summary", summary="What the learner practised, struggled with and improved",
            description="The payload of Show Learning Summary (docs/services.md, Summary): today, the last 7 "
                        "days, or a range of days with from (and to, which defaults to today).")
async def summary(
    request: Request,
    period: Annotated[Literal["day", "week"], Query(description="today or the last 7 days")] = "day",
    start: Annotated[date | None, Query(alias="from", description="first day of a range, YYYY-MM-DD")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day of a range, YYYY-MM-DD (default today)")]
    = None,
) -> dict:
    if end is not None and start is None:
        raise HTTPException(422, "to needs from (a range is from=YYYY-MM-DD, optionally with to=YYYY-MM-DD)")
    coach = _state(request).coach
    return await _answer(request, lambda cancelled: coach.summary(period, start, end, cancelled))


class Feedback(BaseModel):
    rule: str = Field(pattern=RULE_PATTERN, description="the rule id, e.g. CC303 or GEM-OFF-BY-ONE")
    helpful: StrictBool = Field(description="was the explanation helpful?")
    note: str = Field("", max_length=500, description="optional words from the learner")
    path: str | None = Field(None, description="the document it was about, as streamed (e.g. lesson.py)")


class Recorded(BaseModel):
    recorded: bool


@router.post("/feedback", response_model=Recorded, summary="Was this explanation helpful?",
             description="Stored, and used to rank explanations and material (the editor's feedback command).")
async def feedback(request: Request, body: Annotated[Feedback, Body()]) -> Recorded:
    path = ""
    if body.path is not None:
        try:
            path = document_path(body.path)
        except BadMessage as error:
            raise HTTPException(422, str(error)) from None
    _state(request).coach.feedback(path, body.rule.upper(), body.helpful, body.note)
    return Recorded(recorded=True)
