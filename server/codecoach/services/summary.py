"""Learning summary for a day, a week or a date range: the JSON the summary view draws.

Everything comes from the memory's event log (local days, as `Memory.per_day`
groups them). Definitions, also in docs/services.md:

- period "day" is today; "week" is the 7 days ending today (a rolling week,
  so the chart always has 7 bars); "range" is start..end inclusive. The
  *previous period* is the same number of days just before.
- sessions: sessions with activity (at least one event recorded in them):
  reopening the editor on unchanged code records nothing, so it is not one.
- activeMinutes: time inside those sessions (first to last event; a session
  ends after the memory's idle gap), credited to the day the session started;
  a session counts at least one minute, so a single event is not "0 minutes".
- an *active day* is a day with any recorded event. streak.current is the
  run of active days ending on the period's last day (if that is today and
  nothing happened yet today, the run ending yesterday: the day is not over);
  streak.longest is the longest run up to the period's end.
- concepts[].practiced: observations of the concept in analysed code
  (concept_uses rows: one per analysed version whose concepts changed, even
  across restarts); struggles:
  findings shown on it; mastery / previousMastery: the memory's state machine
  at the end / start of the period.
- improved: concepts with fewer struggles than in the previous period.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
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
from .memory_view import History, MemoryView, NoHistory

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
    memory: MemoryView | None,
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
    window = Window(*resolve_period(period, start, end, today), today)
    # No memory (it failed to open, or remembering is off): an empty summary.
    history: History = memory if memory is not None else NoHistory()

    check(cancelled)
    sessions = history.sessions(window.lo, window.hi, active_only=True)
    days = activity_per_day(history, window, sessions)
    files = files_touched(history, window)
    totals = totals_of(days, files, sessions)
    check(cancelled)
    current, longest = streak_of(history, window)
    check(cancelled)
    practice = ConceptActivity.of(history, window)
    transitions = _transitions(history, window.hi)
    check(cancelled)
    concepts = concept_rows(practice, transitions, window)
    series = mastery_series(concepts, transitions, window)
    check(cancelled)
    previous = history.per_concept("shown", window.previous_lo, window.lo)
    data: dict[str, Any] = {
        "period": window.kind,
        "from": window.first.isoformat(),
        "to": window.last.isoformat(),
        "totals": totals,
        "streak": {"current": current, "longest": longest},
        "days": days,
        "hours": activity_per_hour(history, window, sessions) if window.span == 1 else [],
        "concepts": concepts,
        "masterySeries": series,
        "topStruggles": top_struggles(history, window),
        "improved": improved_concepts(previous, practice.struggles),
    }
    check(cancelled)
    context = {
        "files": sorted(files),
        "worse": worse_concepts(previous, practice.struggles),
        "fixedConcepts": dict(practice.fixed),
        "today": today,
        "previousLabel": _previous_label(window.kind, window.span),
    }
    data["narrative"], data["generatedBy"] = narrative(data, context, narrate, narrator)
    return data


# --------------------------------------------------------------------------- the sections


@dataclass(frozen=True)
class Window:
    """The period as times: [lo, hi) covers its days, [previous_lo, lo) the period before."""

    kind: str
    first: date
    last: date
    today: date

    @property
    def days(self) -> list[date]:
        return days_between(self.first, self.last)

    @property
    def span(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def lo(self) -> float:
        return midnight(self.first)

    @property
    def hi(self) -> float:
        return midnight(self.last + timedelta(days=1))

    @property
    def previous_lo(self) -> float:
        return midnight(self.first - timedelta(days=self.span))


def activity_per_day(memory: History, window: Window, sessions: list[dict]) -> list[dict]:
    """One row per day of the period (zeros included): active minutes, findings, fixes.

    A session's time is credited to the day it started and counts at least a minute."""
    shown = memory.per_day("shown", window.lo, window.hi)
    fixes = memory.per_day("fixes", window.lo, window.hi)
    seconds: Counter = Counter()
    for s in sessions:
        end_ts = s.get("ended") or s.get("last_activity") or s["started"]
        seconds[local_day(s["started"]).isoformat()] += max(60.0, float(end_ts) - float(s["started"]))
    return [
        {
            "date": d.isoformat(),
            "activeMinutes": int(round(seconds.get(d.isoformat(), 0.0) / 60)),
            "findings": int(shown.get(d.isoformat(), 0)),
            "fixes": int(fixes.get(d.isoformat(), 0)),
        }
        for d in window.days
    ]


def activity_per_hour(memory: History, window: Window, sessions: list[dict]) -> list[dict]:
    """A one-day period by local hour (0..23), so today's chart is not one bar. A session's
    time is split over the hours it spans (at least a minute, as for the day)."""
    def hour(ts: float) -> int:
        return datetime.fromtimestamp(ts).hour

    counts = {kind: Counter(hour(float(r["ts"])) for r in memory.events(kind, window.lo, window.hi, limit=ALL_EVENTS))
              for kind in ("shown", "fixes")}
    seconds: Counter = Counter()
    for s in sessions:
        start = float(s["started"])
        end = min(window.hi, max(start + 60.0, float(s.get("ended") or s.get("last_activity") or start)))
        while start < end:
            top = datetime.fromtimestamp(start).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            step = min(end, top.timestamp())
            seconds[hour(start)] += step - start
            start = step
    return [{"hour": h, "activeMinutes": int(round(seconds[h] / 60)), "findings": int(counts["shown"][h]),
             "fixes": int(counts["fixes"][h])} for h in range(24)]


def files_touched(memory: History, window: Window) -> set[str]:
    """Files with any finding, fix, concept use or explanation read in the period."""
    files: set[str] = set()
    for table in ("shown", "fixes", "concept_uses", "hovers"):
        files.update(memory.per_file(table, window.lo, window.hi))
    return files


def totals_of(days: list[dict], files: set[str], sessions: list[dict]) -> dict:
    return {
        "activeMinutes": sum(r["activeMinutes"] for r in days),
        "files": len(files),
        "findings": sum(r["findings"] for r in days),
        "fixes": sum(r["fixes"] for r in days),
        "sessions": len(sessions),
    }


def streak_of(memory: History, window: Window) -> tuple[int, int]:
    """(current, longest) streak over the whole history up to the period's end."""
    active: set[date] = set()
    for table in ACTIVITY_KINDS:
        active.update(date.fromisoformat(d) for d in memory.per_day(table, None, window.hi))
    active.update(local_day(s["started"]) for s in memory.sessions(None, window.hi, active_only=True))
    return streaks(active, window.last, window.today)


@dataclass(frozen=True)
class ConceptActivity:
    """Per concept in the period: findings shown on it, fixes, observations in analysed code."""

    struggles: dict[str, int]
    fixed: dict[str, int]
    practiced: Counter

    @classmethod
    def of(cls, memory: History, window: Window) -> ConceptActivity:
        return cls(
            struggles=memory.per_concept("shown", window.lo, window.hi),
            fixed=memory.per_concept("fixed", window.lo, window.hi),
            practiced=Counter(r["concept"] for r in memory.events("concept_uses", window.lo, window.hi,
                                                                   limit=ALL_EVENTS)),
        )


def concept_rows(practice: ConceptActivity, transitions: dict[str, tuple], window: Window) -> list[dict]:
    """Every concept used, struggled with, fixed or whose mastery changed in the period."""
    concepts = set(practice.struggles) | set(practice.fixed) | set(practice.practiced)
    concepts |= {c for c, trs in transitions.items() if _state_at(trs, window.lo) != _state_at(trs, window.hi)}
    return sorted(
        (
            {
                "concept": c,
                "label": label(c),
                "practiced": int(practice.practiced.get(c, 0)),
                "struggles": int(practice.struggles.get(c, 0)),
                "mastery": _state_at(transitions.get(c, ()), window.hi),
                "previousMastery": _state_at(transitions.get(c, ()), window.lo),
            }
            for c in concepts
        ),
        key=lambda r: (-r["struggles"], -r["practiced"], r["label"]),
    )


def mastery_series(concepts: list[dict], transitions: dict[str, tuple], window: Window) -> list[dict]:
    """The mastery level at the end of each day for the most active concepts (the chart)."""
    charted = [r["concept"] for r in sorted(
        concepts, key=lambda r: (-(r["struggles"] + r["practiced"]), r["label"]))[:SERIES_CONCEPTS]]
    return [
        {
            "date": d.isoformat(),
            "levels": {c: level(_state_at(transitions.get(c, ()), midnight(d + timedelta(days=1))))
                       for c in charted},
        }
        for d in window.days
    ]


def top_struggles(memory: History, window: Window) -> list[dict]:
    """The most frequent rules of the period, each with its latest message."""
    top = []
    for rule, count in list(memory.per_rule("shown", window.lo, window.hi).items())[:TOP_STRUGGLES]:
        latest = memory.events("shown", window.lo, window.hi, rule=rule, limit=1)
        row = latest[0] if latest else {}
        top.append({
            "rule": rule,
            "message": str(row.get("message", "")),
            "concept": (concepts_of(row) or [_rule_concept(rule)])[0],
            "count": int(count),
        })
    return top


def improved_concepts(previous: dict[str, int], struggles: dict[str, int]) -> list[dict]:
    """Concepts with fewer findings than in the previous period of the same length."""
    return sorted(
        (
            {"concept": c, "label": label(c), "before": int(n), "after": int(struggles.get(c, 0))}
            for c, n in previous.items()
            if struggles.get(c, 0) < n
        ),
        key=lambda r: (r["after"] - r["before"], r["label"]),
    )


def worse_concepts(previous: dict[str, int], struggles: dict[str, int]) -> list[dict]:
    """Concepts with at least two findings, more than in the previous period (for the narrative)."""
    return sorted(
        (
            {"concept": c, "label": label(c), "before": int(previous.get(c, 0)), "after": int(n)}
            for c, n in struggles.items()
            if n >= 2 and n > previous.get(c, 0)
        ),
        key=lambda r: (r["before"] - r["after"], r["label"]),
    )


def narrative(data: dict, context: dict, narrate: Narrate | None, narrator: str) -> tuple[str, str]:
    """(text, generatedBy): the narrator's paragraph, else the offline template."""
    if narrate is not None:
        try:
            text = narrate(dict(data))
        except Exception as error:  # noqa: BLE001 - a narrator never breaks the summary
            log.warning("summary narrator failed (%s); using the template", error)
            text = None
        if isinstance(text, str) and text.strip():
            return text.strip(), narrator
    return template_narrative(data, context), "template"


# --------------------------------------------------------------------------- pieces


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


def _transitions(memory: History, until: float) -> dict[str, tuple]:
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
    totals, concepts = data["totals"], data["concepts"]
    active = totals["findings"] or totals["fixes"] or totals["sessions"] or any(c["practiced"] for c in concepts)
    if not active:
        return _nothing_recorded(when_lower, data["streak"])
    sentences = [
        _activity_sentence(when, totals, context.get("files") or []),
        _mistakes_sentence(totals, data["topStruggles"]),
        _practice_sentence(concepts),
        _most_frequent_sentence(totals, data["topStruggles"]),
        *_comparison_sentences(data["improved"], context.get("worse") or [], when_lower,
                               context.get("previousLabel", "the previous period")),
        *_mastery_sentences(concepts),
        _streak_sentence(data["streak"]),
    ]
    return " ".join(s for s in sentences if s)


def _nothing_recorded(when_lower: str, streak: dict) -> str:
    text = (f"No coding recorded {when_lower}. Open a Python file and start typing: the coach keeps "
            "track of the concepts you practise and the mistakes you meet.")
    if streak["current"] >= 1:
        text += f" You are on a {streak['current']}-day streak: a few minutes of code keeps it going."
    elif streak["longest"] >= 2:
        text += f" Your longest streak so far is {streak['longest']} days."
    return text


def _activity_sentence(when: str, totals: dict, files: list[str]) -> str:
    names = sorted({basename(f) for f in files})
    where = ""
    if names:
        shown = join_words(names[:3] + ([f"{len(names) - 3} more"] if len(names) > 3 else []))
        where = f" across {plural(len(names), 'file')} ({shown})"
    if totals["sessions"]:
        return (f"{when} you coded for {plural(totals['activeMinutes'], 'minute')} in "
                f"{plural(totals['sessions'], 'session')}{where}.")
    return f"{when} you worked{where}."


def _mistakes_sentence(totals: dict, top: list[dict]) -> str:
    findings, fixes = totals["findings"], totals["fixes"]
    if findings == 1 and top:
        t = top[0]
        return (f"You met one mistake, {t['rule']} ({label(t['concept']) if t['concept'] else 'general'}): "
                f"{t['message']}" + (", and fixed it." if fixes else "."))
    if findings:
        fixed = f" and fixed {fixes}" if fixes else ", none fixed yet"
        return f"You met {plural(findings, 'mistake')}{fixed}."
    if fixes:
        return f"No new mistakes, and you fixed {plural(fixes, 'earlier one', 'earlier ones')}."
    return "No mistakes were flagged: clean work."


def _practice_sentence(concepts: list[dict]) -> str:
    practiced = sorted((c for c in concepts if c["practiced"]), key=lambda c: (-c["practiced"], c["label"]))
    if not practiced:
        return ""
    items = [f"{c['label']} {times(c['practiced'])}" for c in practiced[:3]]
    return f"You practised {join_words(items)}."


def _most_frequent_sentence(totals: dict, top: list[dict]) -> str:
    if totals["findings"] <= 1 or not top:
        return ""
    t = top[0]
    concept = f" on {label(t['concept'])}" if t["concept"] else ""
    return f"Your most frequent mistake was {t['rule']}{concept} ({times(t['count'])}): {t['message']}."


def _comparison_sentences(improved: list[dict], worse: list[dict], when_lower: str,
                          previous_label: str) -> list[str]:
    out = []
    if improved:
        items = [f"{i['label']} ({i['before']} → {i['after']})" for i in improved[:3]]
        out.append(f"Compared with {previous_label} you made fewer mistakes with {join_words(items)}.")
    if worse:
        w = worse[0]
        if w["before"]:
            out.append(f"Keep an eye on {w['label']}: {plural(w['after'], 'mistake')}, "
                       f"up from {w['before']} {previous_label}.")
        else:
            out.append(f"Keep an eye on {w['label']}: {plural(w['after'], 'mistake')} {when_lower}.")
    return out


def _mastery_sentences(concepts: list[dict]) -> list[str]:
    out = []
    moved = [c for c in concepts if c["mastery"] != c["previousMastery"] and c["previousMastery"] != "unseen"]
    ups = [c for c in moved if level(c["mastery"]) > level(c["previousMastery"])]
    if ups:
        items = [f"{c['label']} went from {c['previousMastery']} to {c['mastery']}" for c in ups[:3]]
        out.append(f"Progress: {join_words(items)}.")
    downs = [c for c in moved if level(c["mastery"]) < level(c["previousMastery"])]
    if downs:
        items = [f"{c['label']} slipped from {c['previousMastery']} to {c['mastery']}" for c in downs[:2]]
        out.append(f"{join_words(items)}: worth another look.")
    new = [c["label"] for c in concepts if c["previousMastery"] == "unseen" and c["mastery"] != "unseen"]
    if new:
        out.append(f"New to you: {join_words(new[:3] + ([f'{len(new) - 3} more'] if len(new) > 3 else []))}.")
    return out


def _streak_sentence(streak: dict) -> str:
    current, longest = streak["current"], streak["longest"]
    if current >= 2:
        record = ", your longest yet" if current >= longest else f" (longest: {longest} days)"
        return f"You are on a {current}-day streak{record}."
    if current == 1 and longest >= 2:
        return f"Day one of a new streak (your longest is {longest} days)."
    return ""
