"""The read model: counts, rows, sessions and concept mastery, straight from the event log.

Every query runs on the calling thread's read-only connection and never raises:
a locked or missing database answers with empty results (the memory's health
says why). Times are Unix seconds; `since`/`until` also accept a datetime or
a date (local midnight). Mastery is derived by replaying the log each time, so
nothing is stored that could drift from it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..analysis.concepts import label
from .mastery import ConceptTracker, Evidence, Observation, State, Transition, replay
from .schema import EVENT_TABLES
from .store import EventLog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConceptMastery:
    concept: str
    label: str
    state: State
    since: float | None
    clean_uses: int
    findings: int
    fixes: int
    last_seen: float | None


@dataclass(frozen=True)
class MasteryChange:
    concept: str
    label: str
    before: State
    after: State
    transitions: tuple[Transition, ...]


def to_ts(value: float | int | datetime | date | None) -> float | None:
    """Unix seconds from seconds, a datetime, or a date (its local midnight)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).timestamp()
    return float(value)


def time_range(since: Any, until: Any) -> tuple[float, float]:
    """[since, until) in Unix seconds; open ends become 0 and infinity."""
    return (to_ts(since) or 0.0, to_ts(until) or float("inf"))


# Event kinds the queries accept, and the table each is kept in.
COUNTABLE = {"shown": "shown", "findings": "shown", "fixes": "fixes", "fixed": "fixes",
             "hovers": "hovers", "feedback": "feedback", "concept_uses": "concept_uses",
             "summaries": "summaries"}


def table_of(kind: str) -> str:
    try:
        return COUNTABLE[kind]
    except KeyError:
        raise ValueError(f"unknown event kind {kind!r}; use one of {sorted(COUNTABLE)}") from None


class ReadModel:
    """Queries over the log for the services, the CLI and tests."""

    def __init__(self, log_: EventLog, clock: Callable[[], float]) -> None:
        self.log = log_
        self.clock = clock

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self.log.read().execute(sql, params).fetchall()
        except sqlite3.Error as error:
            log.warning("memory: query failed (%s)", error)
            return []

    # ------------------------------------------------------------------ counts

    def per_day(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        """Events of `kind` per local day ('YYYY-MM-DD' -> count)."""
        lo, hi = time_range(since, until)
        rows = self.rows(
            f"SELECT date(ts, 'unixepoch', 'localtime') AS day, count(*) AS n FROM {table_of(kind)}"
            " WHERE ts >= ? AND ts < ? GROUP BY day ORDER BY day", (lo, hi))
        return {r["day"]: r["n"] for r in rows}

    def per_concept(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        """Findings ('shown') or fixes ('fixed') per concept, most first."""
        lo, hi = time_range(since, until)
        link = {"shown": "shown", "findings": "shown", "fixes": "fixed", "fixed": "fixed"}.get(kind)
        if link is None:
            raise ValueError("per_concept counts 'shown' or 'fixed'")
        rows = self.rows(
            "SELECT concept, count(*) AS n FROM event_concepts WHERE kind = ? AND ts >= ? AND ts < ?"
            " GROUP BY concept ORDER BY n DESC, concept", (link, lo, hi))
        return {r["concept"]: r["n"] for r in rows}

    def per_rule(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        lo, hi = time_range(since, until)
        rows = self.rows(
            f"SELECT rule, count(*) AS n FROM {table_of(kind)} WHERE ts >= ? AND ts < ?"
            " GROUP BY rule ORDER BY n DESC, rule", (lo, hi))
        return {r["rule"]: r["n"] for r in rows}

    def per_file(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        lo, hi = time_range(since, until)
        rows = self.rows(
            f"SELECT file, count(*) AS n FROM {table_of(kind)} WHERE ts >= ? AND ts < ?"
            " GROUP BY file ORDER BY n DESC, file", (lo, hi))
        return {r["file"]: r["n"] for r in rows}

    def active_seconds_per_day(self, since: Any = None, until: Any = None) -> dict[str, float]:
        """Time spent in sessions per local day of their start (sessions split at idle gaps)."""
        lo, hi = time_range(since, until)
        rows = self.rows(
            "SELECT date(started, 'unixepoch', 'localtime') AS day,"
            " sum(coalesce(ended, last_activity) - started) AS s FROM sessions"
            " WHERE started >= ? AND started < ? GROUP BY day ORDER BY day", (lo, hi))
        return {r["day"]: float(r["s"] or 0.0) for r in rows}

    def feedback_counts(self, since: Any = None, until: Any = None) -> dict[str, tuple[int, int]]:
        """rule -> (helpful, not helpful)."""
        lo, hi = time_range(since, until)
        out: dict[str, list[int]] = {}
        for r in self.rows(
            "SELECT rule, helpful, count(*) AS n FROM feedback WHERE ts >= ? AND ts < ? GROUP BY rule, helpful",
            (lo, hi),
        ):
            out.setdefault(r["rule"], [0, 0])[0 if r["helpful"] else 1] = r["n"]
        return {k: (v[0], v[1]) for k, v in out.items()}

    def counts(self) -> dict[str, int]:
        """Rows per table (for `codecoach` status output and tests)."""
        out = {}
        for table in ("sessions", *EVENT_TABLES):
            rows = self.rows(f"SELECT count(*) AS n FROM {table}")
            out[table] = rows[0]["n"] if rows else 0
        return out

    # ------------------------------------------------------------------ rows

    def events(self, kind: str = "shown", since: Any = None, until: Any = None, *, limit: int = 1000,
               file: str | None = None, rule: str | None = None, concept: str | None = None) -> list[dict[str, Any]]:
        """Rows of one event table, newest first, optionally filtered."""
        lo, hi = time_range(since, until)
        table = table_of(kind)
        sql = f"SELECT * FROM {table} WHERE ts >= ? AND ts < ?"
        params: list[Any] = [lo, hi]
        if file is not None:
            sql += " AND file = ?"
            params.append(file)
        if rule is not None:
            sql += " AND rule = ?"
            params.append(rule)
        if concept is not None:
            if table == "concept_uses":
                sql += " AND concept = ?"
            else:
                sql += " AND (' ' || concepts || ' ') LIKE ?"
                concept = f"% {concept} %"
            params.append(concept)
        sql += " ORDER BY ts DESC LIMIT ?"
        params.append(int(limit))
        return [dict(r) for r in self.rows(sql, params)]

    def sessions(self, since: Any = None, until: Any = None, *, active_only: bool = False) -> list[dict[str, Any]]:
        """Sessions started in the range, oldest first; `active_only`: those in which
        something was recorded (not, say, an editor reopened on unchanged files)."""
        lo, hi = time_range(since, until)
        return [dict(r) for r in self.rows(
            "SELECT * FROM sessions WHERE started >= ? AND started < ? AND (? = 0 OR events > 0)"
            " ORDER BY started", (lo, hi, int(active_only)))]

    def summaries(self, since: Any = None, until: Any = None) -> list[dict[str, Any]]:
        lo, hi = time_range(since, until)
        return [dict(r) for r in self.rows(
            "SELECT id, ts, session_id, started, ended, text, source FROM summaries"
            " WHERE ts >= ? AND ts < ? ORDER BY ts", (lo, hi))]

    # ------------------------------------------------------------------ concept mastery and graph

    def _evidence(self, until: float) -> list[tuple[str, Observation]]:
        ev: list[tuple[str, Observation]] = []
        for r in self.rows("SELECT concept, ts, session_id, clean FROM concept_uses WHERE ts <= ?", (until,)):
            kind = Evidence.CLEAN_USE if r["clean"] else Evidence.USE_WITH_FINDING
            ev.append((r["concept"], Observation(r["ts"], kind, r["session_id"] or "")))
        for r in self.rows("SELECT concept, kind, ts FROM event_concepts WHERE ts <= ?", (until,)):
            kind = Evidence.FINDING if r["kind"] == "shown" else Evidence.FIX
            ev.append((r["concept"], Observation(r["ts"], kind)))
        return ev

    def _trackers(self, until: float | None) -> dict[str, ConceptTracker]:
        return replay(self._evidence(self.clock() if until is None else until))

    def mastery(self, at: Any = None) -> dict[str, ConceptMastery]:
        """State of every concept with evidence up to `at` (default now). Unlisted concepts are unseen."""
        out = {}
        for concept, t in sorted(self._trackers(to_ts(at)).items()):
            out[concept] = ConceptMastery(concept, label(concept), t.state, t.since, t.clean_uses, t.findings,
                                          t.fixes, t.last_seen)
        return out

    def mastery_changes(self, since: Any, until: Any = None) -> list[MasteryChange]:
        """Concepts whose state at `until` differs from their state at `since`, with the steps between."""
        lo = to_ts(since) or 0.0
        hi = to_ts(until) if until is not None else self.clock()
        changes = []
        for concept, t in sorted(self._trackers(hi).items()):
            before = State.UNSEEN
            for tr in t.transitions:
                if tr.ts <= lo:
                    before = tr.after
            window = tuple(tr for tr in t.transitions if lo < tr.ts <= hi)
            if before is not t.state:
                changes.append(MasteryChange(concept, label(concept), before, t.state, window))
        return changes

    def prerequisites(self, concept: str) -> list[str]:
        return [r["src"] for r in self.rows(
            "SELECT src FROM concept_edges WHERE dst = ? AND kind = 'prerequisite' ORDER BY src", (concept,))]

    def dependents(self, concept: str) -> list[str]:
        return [r["dst"] for r in self.rows(
            "SELECT dst FROM concept_edges WHERE src = ? AND kind = 'prerequisite' ORDER BY dst", (concept,))]

    def weak_prerequisites(self, concept: str, at: Any = None) -> list[str]:
        """Prerequisites of `concept` not yet practised well (unseen, introduced, struggling)."""
        states = self.mastery(at)
        weak = (State.UNSEEN, State.INTRODUCED, State.STRUGGLING)
        return [p for p in self.prerequisites(concept)
                if (states[p].state if p in states else State.UNSEEN) in weak]

    def struggles_for_concept(self, concept: str, since: Any = None, until: Any = None,
                              limit: int = 50) -> list[dict[str, Any]]:
        """Concept <-> struggle links: the findings shown on `concept`, newest first."""
        lo, hi = time_range(since, until)
        return [dict(r) for r in self.rows(
            "SELECT s.* FROM event_concepts ec JOIN shown s ON s.id = ec.event_id"
            " WHERE ec.concept = ? AND ec.kind = 'shown' AND ec.ts >= ? AND ec.ts < ?"
            " ORDER BY ec.ts DESC LIMIT ?", (concept, lo, hi, limit))]
