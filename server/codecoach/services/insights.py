"""Insights: the latest analysis per file and for the workspace.

Per file: the topics it uses, its key mistakes, how hard it is, and its open
confusion points (mistakes still in the code). Open documents come from
`open_reports` (their current analysis, exactly what the editor shows);
other recently analysed files come from the event log.

Difficulty (1..5) is "struggles per use", on a fixed scale (docs/services.md):

    rate = struggles / (uses + 1)
    rate == 0 -> 1,  <= 0.10 -> 2,  <= 0.25 -> 3,  <= 0.50 -> 4,  above -> 5

(The +1 keeps one unlucky use from making a topic "5": 1 mistake in 1 use
is 0.5, a 4; 2 in 2 is a 5.)

- a file: struggles = mistakes currently in it, uses = concept occurrences in
  its code (a rough measure of how much code there is), so one mistake in a
  long file is easier than three in a short one;
- a topic (concept): struggles = findings shown on it in the window (30 days),
  uses = times it was observed in analysed code in that window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from ..analysis.concepts import label
from . import check
from .common import DAY, concepts_of, iso_time, now_of

WINDOW_DAYS = 30
MAX_FILES = 20
KEY_MISTAKES = 5
TOPICS = 8
ALL_EVENTS = 10_000_000
SCALE = ((0.0, 1), (0.10, 2), (0.25, 3), (0.50, 4))
DIFFICULTY_NOTE = (
    "Difficulty 1-5 is struggles / (uses + 1): 0 -> 1, up to 0.1 -> 2, up to 0.25 -> 3, up to 0.5 -> 4, "
    "more -> 5. For a file: mistakes in it per concept occurrence in its code; for a topic: "
    f"mistakes on it per time you used it, over the last {WINDOW_DAYS} days."
)


def difficulty(struggles: int, uses: int) -> int:
    """1..5 from struggles per use (see the module docstring)."""
    rate = struggles / (max(uses, 0) + 1)
    for limit, value in SCALE:
        if rate <= limit:
            return value
    return 5


def insights(
    memory: Any | None,
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
    lo = now - days * DAY
    reports = dict(open_reports or {})
    check(cancelled)

    shown = memory.events("shown", lo, None, limit=ALL_EVENTS) if memory is not None else []
    fixes = memory.events("fixes", lo, None, limit=ALL_EVENTS) if memory is not None else []
    uses = memory.events("concept_uses", lo, None, limit=ALL_EVENTS) if memory is not None else []
    check(cancelled)

    by_file_rules: dict[str, Counter] = {}
    latest_message: dict[str, str] = {}  # rule -> its newest message in any file (the workspace's)
    file_messages: dict[str, dict[str, str]] = {}  # file -> rule -> its newest message in that file
    last_seen: dict[str, float] = {}
    for row in shown:  # newest first
        by_file_rules.setdefault(row["file"], Counter())[row["rule"]] += 1
        latest_message.setdefault(row["rule"], row["message"])
        file_messages.setdefault(row["file"], {}).setdefault(row["rule"], row["message"])
        last_seen[row["file"]] = max(last_seen.get(row["file"], 0.0), row["ts"])
    latest_uses: dict[str, tuple[float, dict[str, int]]] = {}
    for row in uses:  # a file's latest observation: the rows with its newest timestamp
        ts, concepts = latest_uses.get(row["file"], (row["ts"], {}))
        if row["ts"] == ts:
            concepts[row["concept"]] = concepts.get(row["concept"], 0) + int(row["count"])
            latest_uses[row["file"]] = (ts, concepts)
        last_seen[row["file"]] = max(last_seen.get(row["file"], 0.0), row["ts"])
    for row in fixes:
        last_seen[row["file"]] = max(last_seen.get(row["file"], 0.0), row["ts"])
    fixed_ids = {row["shown_id"] for row in fixes if row.get("shown_id")}

    files = []
    for file, report in reports.items():
        findings = list(getattr(report, "findings", []) or [])
        concepts = _concepts_of(report)
        own: dict[str, str] = {}  # what the editor shows in this file now, first occurrence first
        for f in sorted(findings, key=lambda f: (f.span.start.line, f.span.start.column)):
            latest_message.setdefault(f.rule_id, f.message)
            own.setdefault(f.rule_id, f.message)
        current = Counter(f.rule_id for f in findings)
        files.append(_file_entry(
            file,
            concepts,
            _merge(by_file_rules.get(file, Counter()), current),
            {**file_messages.get(file, {}), **own},
            [{"rule": f.rule_id, "message": f.message, "line": f.span.start.line + 1}
             for f in sorted(findings, key=lambda f: (f.span.start.line, f.span.start.column))],
            now,
            source="open",
        ))
    check(cancelled)
    history = sorted((f for f in last_seen if f not in reports), key=lambda f: -last_seen[f])
    for file in history[: max(0, max_files - len(files))]:
        concepts = latest_uses.get(file, (0.0, {}))[1]
        files.append(_file_entry(
            file,
            concepts,
            by_file_rules.get(file, Counter()),
            file_messages.get(file, {}),
            _open_from_log(file, shown, fixed_ids),
            last_seen.get(file),
            source="history",
        ))

    check(cancelled)
    # -- workspace
    rule_counts = Counter(row["rule"] for row in shown)
    for report in reports.values():  # open mistakes not yet in the log (memory closed or not flushed)
        for rule, n in Counter(f.rule_id for f in getattr(report, "findings", []) or []).items():
            if rule_counts[rule] < n:
                rule_counts[rule] = n
    struggles: Counter = Counter()
    for row in shown:
        for c in dict.fromkeys(concepts_of(row)):
            struggles[c] += 1
    used: Counter = Counter(row["concept"] for row in uses)
    for report in reports.values():
        for c in _concepts_of(report):
            used[c] = max(used[c], 1)
    topic_rows = sorted(
        (
            {"concept": c, "label": label(c), "difficulty": difficulty(struggles[c], used[c]),
             "struggles": int(struggles[c]), "uses": int(used[c])}
            for c in set(struggles) | set(used)
        ),
        key=lambda r: (-r["difficulty"], -r["struggles"], -r["uses"], r["label"]),
    )
    latest = max([*last_seen.values()], default=None)
    workspace = {
        "keyMistakes": [{"rule": r, "message": latest_message.get(r, ""), "count": int(n)}
                        for r, n in _top(rule_counts, KEY_MISTAKES)],
        "topics": [label(c) for c, _ in _top(used, TOPICS)],
        "topicDifficulty": topic_rows,
        "lastAnalysis": iso_time(now if reports else latest),
        "difficultyNote": DIFFICULTY_NOTE,
    }
    return {"files": files, "workspace": workspace}


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
        "openConfusion": open_points,
        "lastAnalysis": iso_time(last),
        "source": source,
    }
