"""How the coach says when and where something happened before: "You met this before:
grades.py, 2 days ago". Words for the learner live here, not in the memory, which
only knows events and times.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Protocol

from .common import basename


class Sighting(Protocol):
    """Anything that happened in a file at a time (a `memory.PastStruggle`, for one)."""

    @property
    def file(self) -> str: ...

    @property
    def when(self) -> float: ...


def humanize_ago(then: float, now: float | None = None) -> str:
    """'just now', '10 minutes ago', '3 hours ago', 'yesterday', '3 days ago', '3 weeks ago', 'on 4 Mar 2026'."""
    now = time.time() if now is None else now
    seconds = max(0.0, now - then)
    if seconds < 90:
        return "just now"
    minutes = seconds / 60
    if minutes < 60:
        return f"{round(minutes)} minutes ago"
    hours = minutes / 60
    then_day = datetime.fromtimestamp(then).date()
    today = datetime.fromtimestamp(now).date()
    days = (today - then_day).days
    if days == 0:
        return f"{round(hours)} hour{'s' if round(hours) != 1 else ''} ago"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return "on " + datetime.fromtimestamp(then).strftime("%d %b %Y").lstrip("0")


def met_before_phrase(struggle: Sighting, now: float | None = None) -> str:
    """'You met this before: grades.py, 2 days ago'."""
    return f"You met this before: {basename(struggle.file)}, {humanize_ago(struggle.when, now)}"
