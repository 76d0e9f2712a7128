"""Insights: the latest analysis per file and for the workspace.

Per file: the topics it uses, its key mistakes, how hard it is, and its open
confusion points (mistakes still in the code). Open documents come from
`open_reports` (their current analysis, exactly what the editor shows);
other recently analysed files come from the event log.

Difficulty (1..5) is "struggles per use", on a fixed scale (docs/services.md):

    rate = struggles / (uses + 4)
    rate == 0 -> 1,  <= 0.10 -> 2,  <= 0.25 -> 3,  <= 0.50 -> 4,  above -> 5

(The +4 counts as four clean uses before any evidence, so a rating is high
only when it rests on enough: one slip is at most a 3, a 4 needs two
mistakes and a 5 three. Each entry also says what it rests on: `struggles`
and `uses` for a topic, `uses` and its open mistakes for a file.)

- a file: struggles = mistakes currently in it, uses = concept occurrences in
  its code (a rough measure of how much code there is), so one mistake in a
  long file is easier than three in a short one;
- a topic (concept): struggles = findings shown on it in the window (30 days),
  uses = times it was observed in analysed code in that window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..analysis.concepts import label
from . import check
from .common import DAY, concepts_of, iso_time, now_of
from .memory_view import MemoryView

WINDOW_DAYS = 30
MAX_FILES = 20
KEY_MISTAKES = 5
TOPICS = 8
ALL_EVENTS = 10_000_000
SCALE = ((0.0, 1), (0.10, 2), (0.25, 3), (0.50, 4))
PRIOR_USES = 4  # clean uses assumed before any evidence: one slip is never a 4 or 5
DIFFICULTY_NOTE = (
    f"Difficulty 1-5 is struggles / (uses + {PRIOR_USES}): 0 -> 1, up to 0.1 -> 2, up to 0.25 -> 3, "
    "up to 0.5 -> 4, more -> 5, so one slip is at most a 3. For a file: mistakes in it per concept "
    "occurrence in its code; for a topic: mistakes on it per time you used it, over the last "
    f"{WINDOW_DAYS} days."
)


def difficulty(struggles: int, uses: int) -> int:
    """1..5 from struggles per use (see the module docstring)."""
    rate = struggles / (max(uses, 0) + PRIOR_USES)
    for limit, value in SCALE:
        if rate <= limit:
            return value
    return 5


def insights(
    memory: MemoryView | None,
    *,
    open_reports: Mapping[str, Any] | None = None,
    days: int = WINDOW_DAYS,
    now: float | None = None,
    max_files: int = MAX_FILES,
    cancelled: Callable[[], bool] = lambda: False,
) -> dict:
    """Insights for the open documents (`open_reports`: file -> Report or Analysis, anything
    with `.findings` and `.concepts` or `.analysis.concepts`) and the files in the memory's
    log of the last `days` days. `memory` may be None (no history): open documents only."""
    now = now_of(memory, now)
    reports = dict(open_reports or {})
    check(cancelled)
    history = RecentLog.read(memory, now - days * DAY)
    check(cancelled)
    files = [open_file_entry(file, report, history, now) for file, report in reports.items()]
    check(cancelled)
    files += history_file_entries(history, exclude=reports, limit=max(0, max_files - len(files)))
    check(cancelled)
    return {"files": files, "workspace": workspace_entry(history, reports, now)}


# --------------------------------------------------------------------------- the sections


@dataclass
class RecentLog:
    """The window's events, and what the entries need from them, per file."""

    shown: list[dict]  # newest first
    uses: list[dict]
    fixed_ids: set[str]  # shown ids some fix points at
    rules_by_file: dict[str, Counter] = field(default_factory=dict)
    latest_message: dict[str, str] = field(default_factory=dict)  # rule -> newest message in any file
    file_messages: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> rule -> its newest there
    last_seen: dict[str, float] = field(default_factory=dict)  # file -> newest event
    latest_uses: dict[str, tuple[float, dict[str, int]]] = field(default_factory=dict)

    @classmethod
    def read(cls, memory: MemoryView | None, since: float) -> RecentLog:
        if memory is None:
            return cls([], [], set())
        shown = memory.events("shown", since, None, limit=ALL_EVENTS)
        fixes = memory.events("fixes", since, None, limit=ALL_EVENTS)
        uses = memory.events("concept_uses", since, None, limit=ALL_EVENTS)
        recent = cls(shown, uses, {row["shown_id"] for row in fixes if row.get("shown_id")})
        for row in shown:  # newest first
            recent.rules_by_file.setdefault(row["file"], Counter())[row["rule"]] += 1
            recent.latest_message.setdefault(row["rule"], row["message"])
            recent.file_messages.setdefault(row["file"], {}).setdefault(row["rule"], row["message"])
            recent._seen(row)
        for row in uses:  # a file's latest observation: the rows with its newest timestamp
            ts, concepts = recent.latest_uses.get(row["file"], (row["ts"], {}))
            if row["ts"] == ts:
                concepts[row["concept"]] = concepts.get(row["concept"], 0) + int(row["count"])
                recent.latest_uses[row["file"]] = (ts, concepts)
            recent._seen(row)
        for row in fixes:
            recent._seen(row)
        return recent

    def _seen(self, row: dict) -> None:
        self.last_seen[row["file"]] = max(self.last_seen.get(row["file"], 0.0), row["ts"])


def open_file_entry(file: str, report: Any, history: RecentLog, now: float) -> dict:
    """An open document: its findings now (what the editor shows) over its history."""
    findings = sorted(getattr(report, "findings", []) or [], key=lambda f: (f.span.start.line, f.span.start.column))
    own: dict[str, str] = {}  # what the editor shows in this file now, first occurrence first
    for f in findings:
        history.latest_message.setdefault(f.rule_id, f.message)
        own.setdefault(f.rule_id, f.message)
    current = Counter(f.rule_id for f in findings)
    return _file_entry(
        file,
        _concepts_of(report),
        _merge(history.rules_by_file.get(file, Counter()), current),
        {**history.file_messages.get(file, {}), **own},  # each file its own message for a rule
        [{"rule": f.rule_id, "message": f.message, "line": f.span.start.line + 1}
         for f in findings],
        now,
        source="open",
    )


def history_file_entries(history: RecentLog, *, exclude: Mapping[str, Any], limit: int) -> list[dict]:
    """Recently analysed files that are not open, most recent first."""
    files = sorted((f for f in history.last_seen if f not in exclude), key=lambda f: -history.last_seen[f])
    return [
        _file_entry(
            file,
            history.latest_uses.get(file, (0.0, {}))[1],
            history.rules_by_file.get(file, Counter()),
            history.file_messages.get(file, {}),
            _open_from_log(file, history.shown, history.fixed_ids),
            history.last_seen.get(file),
            source="history",
        )
        for file in files[:limit]
    ]


def workspace_entry(history: RecentLog, reports: Mapping[str, Any], now: float) -> dict:
    latest = max([*history.last_seen.values()], default=None)
    used = _uses_per_topic(history, reports)
    return {
        "keyMistakes": [{"rule": r, "message": history.latest_message.get(r, ""), "count": int(n)}
                        for r, n in _top(_rule_counts(history, reports), KEY_MISTAKES)],
        "topics": [label(c) for c, _ in _top(used, TOPICS)],
        "topicDifficulty": topic_difficulty(_struggles_per_topic(history), used),
        "lastAnalysis": iso_time(now if reports else latest),
        "difficultyNote": DIFFICULTY_NOTE,
    }


def _rule_counts(history: RecentLog, reports: Mapping[str, Any]) -> Counter:
    counts = Counter(row["rule"] for row in history.shown)
    for report in reports.values():  # open mistakes not yet in the log (memory closed or not flushed)
        for rule, n in Counter(f.rule_id for f in getattr(report, "findings", []) or []).items():
            if counts[rule] < n:
                counts[rule] = n
    return counts


def _struggles_per_topic(history: RecentLog) -> Counter:
    struggles: Counter = Counter()
    for row in history.shown:
        for c in dict.fromkeys(concepts_of(row)):
            struggles[c] += 1
    return struggles


def _uses_per_topic(history: RecentLog, reports: Mapping[str, Any]) -> Counter:
    used: Counter = Counter(row["concept"] for row in history.uses)
    for report in reports.values():
        for c in _concepts_of(report):
            used[c] = max(used[c], 1)
    return used


def topic_difficulty(struggles: Counter, used: Counter) -> list[dict]:
    """Every topic struggled with or used, hardest first."""
    return sorted(
        (
            {"concept": c, "label": label(c), "difficulty": difficulty(struggles[c], used[c]),
             "struggles": int(struggles[c]), "uses": int(used[c])}
            for c in set(struggles) | set(used)
        ),
        key=lambda r: (-r["difficulty"], -r["struggles"], -r["uses"], r["label"]),
    )


def _concepts_of(report: Any) -> dict[str, int]:
    concepts = getattr(report, "concepts", None)
    if concepts is None:
        concepts = getattr(getattr(report, "analysis", None), "concepts", None)
    return {str(c): int(n) for c, n in dict(concepts or {}).items() if n}


def _merge(history: Counter, current: Counter) -> Counter:
    """Per rule, the larger of "times in the log" and "times in the code right now"."""
    out = Counter(history)
    for rule, n in current.items():
        out[rule] = max(out[rule], n)
    return out


def _top(counter: Counter, n: int) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _open_from_log(file: str, shown: list[dict], fixed_ids: set[str]) -> list[dict]:
    """Mistakes shown in the file's latest session with that file and not fixed since."""
    rows = [r for r in shown if r["file"] == file]
    if not rows:
        return []
    session = rows[0]["session_id"]  # newest first
    seen: set[tuple] = set()
    out = []
    for r in sorted((r for r in rows if r["session_id"] == session), key=lambda r: (r["line"], r["rule"])):
        key = (r["rule"], r["message"], r["line"])
        if r["id"] in fixed_ids or key in seen:
            continue
        seen.add(key)
        out.append({"rule": r["rule"], "message": r["message"], "line": int(r["line"]) + 1})
    return out


def _file_entry(file: str, concepts: Mapping[str, int], rules: Counter, messages: Mapping[str, str],
                open_points: list[dict], last: float | None, *, source: str) -> dict:
    topics = [label(c) for c, _ in _top(Counter(concepts), TOPICS)]
    return {
        "file": file,
        "topics": topics,
        "keyMistakes": [{"rule": r, "message": messages.get(r, ""), "count": int(n)}
                        for r, n in _top(rules, KEY_MISTAKES)],
        "difficulty": difficulty(len(open_points), sum(concepts.values())),
        "uses": int(sum(concepts.values())),
        "openConfusion": open_points,
        "lastAnalysis": iso_time(last),
        "source": source,
    }
