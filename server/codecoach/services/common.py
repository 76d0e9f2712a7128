"""Small helpers shared by the services: local days, mastery levels, English."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from .memory_view import MemoryView

DAY = 86_400.0

# Mastery states as the chart's levels (0..5), in the order the extension draws them.
LEVELS: dict[str, int] = {
    "unseen": 0,
    "introduced": 1,
    "struggling": 2,
    "practicing": 3,
    "improving": 4,
    "mastered": 5,
}


def state_name(state: Any) -> str:
    """'struggling' from a mastery State enum or its string value."""
    return str(getattr(state, "value", state) or "unseen")


def level(state: Any) -> int:
    return LEVELS.get(state_name(state), 0)


def midnight(day: date) -> float:
    """Local midnight at the start of `day` (as the memory's per_day groups days)."""
    return datetime(day.year, day.month, day.day).timestamp()


def local_day(ts: float) -> date:
    return datetime.fromtimestamp(ts).date()


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def today_of(memory: MemoryView | None, today: date | None = None) -> date:
    """`today`, else the day of the memory's clock (tests inject a clock)."""
    if today is not None:
        return today
    clock = getattr(memory, "clock", None)
    return local_day(clock()) if callable(clock) else date.today()


def now_of(memory: MemoryView | None, now: float | None = None) -> float:
    if now is not None:
        return now
    clock = getattr(memory, "clock", None)
    import time

    return float(clock()) if callable(clock) else time.time()


def iso_time(ts: float | None) -> str | None:
    """'2026-03-04T17:05:00+01:00' (local time, with offset), or None."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def basename(path: str) -> str:
    return os.path.basename(str(path).rstrip("/")) or str(path)


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def join_words(items: Iterable[str], conj: str = "and") -> str:
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def short_date(day: date) -> str:
    return f"{day.day} {day.strftime('%b')}"


def concepts_of(row: dict[str, Any]) -> list[str]:
    return str(row.get("concepts") or "").split()
