"""Learning summary for a day, a week or a date range: the JSON the summary view draws.

Everything comes from the memory's event log (local days, as `Memory.per_day`
groups them). Definitions, also in docs/services.md:

- period "day" is today; "week" is the 7 days ending today (a rolling week,
  so the chart always has 7 bars); "range" is start..end inclusive. The
  *previous period* is the same number of days just before.
- activeMinutes: time inside sessions (first to last event; a session ends
  after the memory's idle gap), credited to the day the session started; a
  session counts at least one minute, so a single event is not "0 minutes".
- an *active day* is a day with any recorded event. streak.current is the
  run of active days ending on the period's last day (if that is today and
  nothing happened yet today, the run ending yesterday: the day is not over);
  streak.longest is the longest run up to the period's end.
- concepts[].practiced: observations of the concept in analysed code
  (concept_uses rows: one per analysed version that changed); struggles:
  findings shown on it; mastery / previousMastery: the memory's state machine
  at the end / start of the period.
- improved: concepts with fewer struggles than in the previous period.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from ..analysis.concepts import label
from . import check
from .common import (
    basename,
    concepts_of,
    days_between,
    join_words,
    level,
    local_day,
    midnight,
    plural,
    short_date,
    state_name,
    times,
    today_of,
)

log = logging.getLogger(__name__)

PERIODS = ("day", "week")
MAX_DAYS = 3660  # ten years: beyond that a "summary" is not a summary
SERIES_CONCEPTS = 10  # mastery lines on the chart
TOP_STRUGGLES = 5
ALL_EVENTS = 10_000_000
ACTIVITY_KINDS = ("shown", "fixes", "hovers", "concept_uses", "feedback")

Narrate = Callable[[dict], "str | None"]


def resolve_period(
    period: str = "day", start: date | None = None, end: date | None = None, today: date | None = None
) -> tuple[str, date, date]:
    """(kind, first day, last day). A start or end makes it a "range"; ValueError on nonsense."""
    today = today or date.today()
    if start is not None or end is not None:
        last = end or today
        first = start or last
        if first > last:
            raise ValueError(f"the range starts ({first.isoformat()}) after it ends ({last.isoformat()})")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValueError(f"a range can cover at most {MAX_DAYS} days")
        return "range", first, last
    if period == "day":
        return "day", today, today
    if period == "week":
        return "week", today - timedelta(days=6), today
    raise ValueError(f"unknown period {period!r}; use 'day', 'week', or a start and end date")


def summary(
    memory: Any,
    *,
    period: str = "day",
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    narrate: Narrate | None = None,
    narrator: str = "gemini",
    cancelled: Callable[[], bool] = lambda: False,
) -> dict:
    """The summary of a period (see the module docstring for definitions).

    narrate(data) may return a narrative paragraph (e.g. Gemini); on None, an empty
    string or an exception the offline template is used. `generatedBy` says which
    ("template", or `narrator`). Raises ValueError on a bad period, Cancelled when
    `cancelled()` turns true between steps.
    """
    today = today_of(memory, today)
    kind, first, last = resolve_period(period, start, end, today)
    if memory is None:  # no memory (it failed to open, or remembering is off): an empty summary
        memory = _NoMemory()
    days = days_between(first, last)
    lo, hi = midnight(first), midnight(last + timedelta(days=1))
    span = len(days)
    prev_lo = midnight(first - timedelta(days=span))

    check(cancelled)
    # -- activity per day
    shown_per_day = memory.per_day("shown", lo, hi)
    fixes_per_day = memory.per_day("fixes", lo, hi)
    sessions = memory.sessions(lo, hi)
    seconds: Counter = Counter()
    for s in sessions:
        end_ts = s.get("ended") or s.get("last_activity") or s["started"]
        seconds[local_day(s["started"]).isoformat()] += max(60.0, float(end_ts) - float(s["started"]))
    day_rows = [
        {
            "date": d.isoformat(),
            "activeMinutes": int(round(seconds.get(d.isoformat(), 0.0) / 60)),
            "findings": int(shown_per_day.get(d.isoformat(), 0)),
            "fixes": int(fixes_per_day.get(d.isoformat(), 0)),
        }
        for d in days
    ]
    files: set[str] = set()
    for table in ("shown", "fixes", "concept_uses", "hovers"):
        files.update(memory.per_file(table, lo, hi))
    totals = {
        "activeMinutes": sum(r["activeMinutes"] for r in day_rows),
        "files": len(files),
        "findings": sum(r["findings"] for r in day_rows),
        "fixes": sum(r["fixes"] for r in day_rows),
        "sessions": len(sessions),
    }

    check(cancelled)
    # -- streaks over the whole history up to the period's end
    active: set[date] = set()
    for table in ACTIVITY_KINDS:
        active.update(date.fromisoformat(d) for d in memory.per_day(table, None, hi))
    active.update(local_day(s["started"]) for s in memory.sessions(None, hi))
    current, longest = streaks(active, last, today)

    check(cancelled)
    # -- concepts: practice, struggles, mastery at both ends of the period
    struggles = memory.per_concept("shown", lo, hi)
    fixed = memory.per_concept("fixed", lo, hi)
    practiced = Counter(r["concept"] for r in memory.events("concept_uses", lo, hi, limit=ALL_EVENTS))
    transitions = _transitions(memory, hi)
    check(cancelled)
    concepts = set(struggles) | set(fixed) | set(practiced)
    concepts |= {c for c, trs in transitions.items() if _state_at(trs, lo) != _state_at(trs, hi)}
    concept_rows = sorted(
        (
            {
                "concept": c,
                "label": label(c),
                "practiced": int(practiced.get(c, 0)),
                "struggles": int(struggles.get(c, 0)),
                "mastery": _state_at(transitions.get(c, ()), hi),
                "previousMastery": _state_at(transitions.get(c, ()), lo),
            }
            for c in concepts
        ),
        key=lambda r: (-r["struggles"], -r["practiced"], r["label"]),
    )
    charted = [r["concept"] for r in sorted(
        concept_rows, key=lambda r: (-(r["struggles"] + r["practiced"]), r["label"]))[:SERIES_CONCEPTS]]
    series = [
        {
            "date": d.isoformat(),
            "levels": {c: level(_state_at(transitions.get(c, ()), midnight(d + timedelta(days=1))))
                       for c in charted},
        }
        for d in days
    ]

    check(cancelled)
    # -- top struggles and what improved against the previous period
    top = []
    for rule, count in list(memory.per_rule("shown", lo, hi).items())[:TOP_STRUGGLES]:
        latest = memory.events("shown", lo, hi, rule=rule, limit=1)
        row = latest[0] if latest else {}
        top.append({
            "rule": rule,
            "message": str(row.get("message", "")),
            "concept": (concepts_of(row) or [_rule_concept(rule)])[0],
            "count": int(count),
        })
    previous = memory.per_concept("shown", prev_lo, lo)
    improved = sorted(
        (
            {"concept": c, "label": label(c), "before": int(n), "after": int(struggles.get(c, 0))}
            for c, n in previous.items()
            if struggles.get(c, 0) < n
        ),
        key=lambda r: (r["after"] - r["before"], r["label"]),
    )
    worse = sorted(
        (
            {"concept": c, "label": label(c), "before": int(previous.get(c, 0)), "after": int(n)}
            for c, n in struggles.items()
            if n >= 2 and n > previous.get(c, 0)
        ),
        key=lambda r: (r["before"] - r["after"], r["label"]),
    )

    data: dict[str, Any] = {
        "period": kind,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "totals": totals,
        "streak": {"current": current, "longest": longest},
        "days": day_rows,
        "hours": _hour_rows(memory, sessions, lo, hi) if span == 1 else [],
        "concepts": concept_rows,
        "masterySeries": series,
        "topStruggles": top,
        "improved": improved,
    }
    check(cancelled)
    context = {
        "files": sorted(files),
        "worse": worse,
        "fixedConcepts": dict(fixed),
        "today": today,
        "previousLabel": _previous_label(kind, span),
    }
    text, source = None, "template"
    if narrate is not None:
        try:
            text = narrate(dict(data))
        except Exception as error:  # noqa: BLE001 - a narrator never breaks the summary
            log.warning("summary narrator failed (%s); using the template", error)
            text = None
        if isinstance(text, str) and text.strip():
            source = narrator
        else:
            text = None
    data["narrative"] = text.strip() if text else template_narrative(data, context)
    data["generatedBy"] = source
    return data


# --------------------------------------------------------------------------- pieces


class _NoMemory:
    """Answers every query a summary makes with nothing."""

    def per_day(self, *args: Any, **kwargs: Any) -> dict:
        return {}

    per_concept = per_rule = per_file = per_day

    def sessions(self, *args: Any, **kwargs: Any) -> list:
        return []

    events = mastery_changes = sessions


def streaks(active: set[date], last: date, today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive active days, as of the end of `last`."""
    end = last
    if end >= today:
        end = today
        if end not in active:
            end -= timedelta(days=1)  # today is not over: yesterday's streak still counts
    current = 0
    while end in active:
        current += 1
        end -= timedelta(days=1)
    longest = run = 0
    previous: date | None = None
    for day in sorted(d for d in active if d <= last):
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    return current, max(longest, current)


def _hour_rows(memory: Any, sessions: list[dict], lo: float, hi: float) -> list[dict]:
    """A one-day period by local hour (0..23), so today's chart is not one bar. A session's
    time is split over the hours it spans (at least a minute, as for the day)."""
    def hour(ts: float) -> int:
        return datetime.fromtimestamp(ts).hour

    counts = {kind: Counter(hour(float(r["ts"])) for r in memory.events(kind, lo, hi, limit=ALL_EVENTS))
              for kind in ("shown", "fixes")}
    seconds: Counter = Counter()
    for s in sessions:
        start = float(s["started"])
        end = min(hi, max(start + 60.0, float(s.get("ended") or s.get("last_activity") or start)))
        while start < end:
            top = datetime.fromtimestamp(start).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            step = min(end, top.timestamp())
            seconds[hour(start)] += step - start
            start = step
    return [{"hour": h, "activeMinutes": int(round(seconds[h] / 60)), "findings": int(counts["shown"][h]),
             "fixes": int(counts["fixes"][h])} for h in range(24)]


def _transitions(memory: Any, until: float) -> dict[str, tuple]:
    """concept -> its mastery transitions up to `until`, from one replay of the log.

    `mastery_changes(since=0)` lists every seen concept (each left 'unseen') with all
    its transitions, so the state on any day is the last transition before it.
    """
    try:
        changes = memory.mastery_changes(0.0, until)
    except Exception as error:  # noqa: BLE001 - mastery is an extra; the rest still stands
        log.warning("mastery unavailable (%s)", error)
        return {}
    return {c.concept: tuple(c.transitions) for c in changes}


def _state_at(transitions: tuple, ts: float) -> str:
    state = "unseen"
    for tr in transitions:
        if tr.ts < ts:
            state = state_name(tr.after)
        else:
            break
    return state


def _rule_concept(rule: str) -> str:
    from ..analysis.rules import BY_ID

    found = BY_ID.get(rule)
    return found.concept if found else ""


def _previous_label(kind: str, span: int) -> str:
    if kind == "day":
        return "the day before"
    if kind == "week":
        return "the week before"
    return f"the {plural(span, 'day')} before" if span > 1 else "the day before"


# --------------------------------------------------------------------------- the template


def _when(data: dict, context: dict) -> tuple[str, str]:
    """('Today', 'today') / ('This week', 'this week') / ('From 3 Mar to 9 Mar', 'in that period')."""
    first, last = date.fromisoformat(data["from"]), date.fromisoformat(data["to"])
    today = context.get("today") or date.today()
    if data["period"] == "day" or first == last:
        if first == today:
            return "Today", "today"
        if first == today - timedelta(days=1):
            return "Yesterday", "yesterday"
        return f"On {short_date(first)}", f"on {short_date(first)}"
    if data["period"] == "week":
        return "This week", "this week"
    return f"From {short_date(first)} to {short_date(last)}", "in that period"


def template_narrative(data: dict, context: dict | None = None) -> str:
    """A specific, offline paragraph: what was practised, what went wrong, what improved."""
    context = context or {}
    when, when_lower = _when(data, context)
    totals = data["totals"]
    streak = data["streak"]
    concepts = data["concepts"]
    active = totals["findings"] or totals["fixes"] or totals["sessions"] or any(c["practiced"] for c in concepts)
    if not active:
        text = (f"No coding recorded {when_lower}. Open a Python file and start typing: the coach keeps "
                "track of the concepts you practise and the mistakes you meet.")
        if streak["current"] >= 1:
            text += f" You are on a {streak['current']}-day streak: a few minutes of code keeps it going."
        elif streak["longest"] >= 2:
            text += f" Your longest streak so far is {streak['longest']} days."
        return text

    parts = []
    files = context.get("files") or []
    names = sorted({basename(f) for f in files})
    where = ""
    if names:
        shown = join_words(names[:3] + ([f"{len(names) - 3} more"] if len(names) > 3 else []))
        where = f" across {plural(len(names), 'file')} ({shown})"
    minutes = totals["activeMinutes"]
    if totals["sessions"]:
        parts.append(f"{when} you coded for {plural(minutes, 'minute')} in "
                     f"{plural(totals['sessions'], 'session')}{where}.")
    else:
        parts.append(f"{when} you worked{where}.")

    findings, fixes = totals["findings"], totals["fixes"]
    top = data["topStruggles"]
    if findings == 1 and top:
        t = top[0]
        parts.append(f"You met one mistake, {t['rule']} ({label(t['concept']) if t['concept'] else 'general'}): "
                     f"{t['message']}" + (", and fixed it." if fixes else "."))
    elif findings:
        fixed = f" and fixed {fixes}" if fixes else ", none fixed yet"
        parts.append(f"You met {plural(findings, 'mistake')}{fixed}.")
    elif fixes:
        parts.append(f"No new mistakes, and you fixed {plural(fixes, 'earlier one', 'earlier ones')}.")
    else:
        parts.append("No mistakes were flagged: clean work.")

    practiced = sorted((c for c in concepts if c["practiced"]), key=lambda c: (-c["practiced"], c["label"]))
    if practiced:
        items = [f"{c['label']} {times(c['practiced'])}" for c in practiced[:3]]
        parts.append(f"You practised {join_words(items)}.")

    if findings > 1 and top:
        t = top[0]
        concept = f" on {label(t['concept'])}" if t["concept"] else ""
        parts.append(f"Your most frequent mistake was {t['rule']}{concept} ({times(t['count'])}): {t['message']}.")

    previous_label = context.get("previousLabel", "the previous period")
    improved = data["improved"]
    if improved:
        items = [f"{i['label']} ({i['before']} → {i['after']})" for i in improved[:3]]
        parts.append(f"Compared with {previous_label} you made fewer mistakes with {join_words(items)}.")
    worse = context.get("worse") or []
    if worse:
        w = worse[0]
        if w["before"]:
            parts.append(f"Keep an eye on {w['label']}: {plural(w['after'], 'mistake')}, "
                         f"up from {w['before']} {previous_label}.")
        else:
            parts.append(f"Keep an eye on {w['label']}: {plural(w['after'], 'mistake')} {when_lower}.")

    moved = [c for c in concepts if c["mastery"] != c["previousMastery"] and c["previousMastery"] != "unseen"]
    ups = [c for c in moved if level(c["mastery"]) > level(c["previousMastery"])]
    if ups:
        items = [f"{c['label']} went from {c['previousMastery']} to {c['mastery']}" for c in ups[:3]]
        parts.append(f"Progress: {join_words(items)}.")
    downs = [c for c in moved if level(c["mastery"]) < level(c["previousMastery"])]
    if downs:
        items = [f"{c['label']} slipped from {c['previousMastery']} to {c['mastery']}" for c in downs[:2]]
        parts.append(f"{join_words(items)}: worth another look.")
    new = [c["label"] for c in concepts if c["previousMastery"] == "unseen" and c["mastery"] != "unseen"]
    if new:
        parts.append(f"New to you: {join_words(new[:3] + ([f'{len(new) - 3} more'] if len(new) > 3 else []))}.")

    current, longest = streak["current"], streak["longest"]
    if current >= 2:
        record = ", your longest yet" if current >= longest else f" (longest: {longest} days)"
        parts.append(f"You are on a {current}-day streak{record}.")
    elif current == 1 and longest >= 2:
        parts.append(f"Day one of a new streak (your longest is {longest} days).")
    return " ".join(parts)
