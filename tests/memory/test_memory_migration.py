"""Schema 1 -> 2 on a log written the way the old code wrote it: each restart recorded the
unfixed mistakes and the unchanged file's concepts again. The migration makes the counts
true and lets the next process continue the open occurrences."""

from __future__ import annotations

import sqlite3
import time
from datetime import date, datetime
from pathlib import Path

from memtools import DAY

from codecoach.analysis.engine import Analyzer
from codecoach.analysis.findings import split_lines
from codecoach.memory.index import STRUGGLES, ChromaIndex, ChromaTarget
from codecoach.memory.indexing import Indexer
from codecoach.memory.recording import region_text
from codecoach.memory.schema import MIGRATIONS, SCHEMA_VERSION
from codecoach.memory.store import _split_sql
from codecoach.services.summary import summary

FILE = "/w/grades.py"
CODE = "grades = None\nif grades == None:\n    grades = []\nanswer = input('Ready? ')\nif answer is 'yes':\n    print(grades)\n"
FINDINGS = {f.rule_id: f for f in Analyzer().analyze(CODE).findings}  # CC103 on line 1, CC102 on line 4
LINES = split_lines(CODE)


class OldLog:
    """Writes rows exactly as schema 1 and the recorder before it did."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        for statement in _split_sql(MIGRATIONS[0]):
            self.db.execute(statement)
        self.db.execute("PRAGMA user_version = 1")
        self.n = 0

    def _id(self, ts: float) -> str:
        self.n += 1
        return f"{int(ts * 1000):012x}{self.n:012x}"

    def session(self, started: float, ended: float) -> str:
        sid = self._id(started)
        self.db.execute("INSERT INTO sessions (id, started, last_activity, ended, closed_by, summarized)"
                        " VALUES (?, ?, ?, ?, 'shutdown', 1)", (sid, started, ended, ended))
        return sid

    def shown(self, sid: str, ts: float, rule: str) -> str:
        f, eid = FINDINGS[rule], self._id(ts)
        line = f.span.start.line
        self.db.execute(
            "INSERT INTO shown (id, ts, session_id, file, rule, concepts, message, severity, line, region, source,"
            " indexed) VALUES (?,?,?,?,?,?,?,?,?,?,?,1)",
            (eid, ts, sid, FILE, rule, " ".join(f.concepts), f.message, int(f.severity), line,
             region_text(LINES, line, f.span.end.line), f.source.value))
        for concept in f.concepts:
            self.db.execute("INSERT INTO event_concepts (event_id, kind, concept, ts) VALUES (?, 'shown', ?, ?)",
                            (eid, concept, ts))
        return eid

    def fixed(self, sid: str, ts: float, rule: str, shown_id: str | None) -> str:
        f, eid = FINDINGS[rule], self._id(ts)
        self.db.execute(
            "INSERT INTO fixes (id, ts, session_id, file, rule, concepts, message, line, shown_id)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (eid, ts, sid, FILE, rule, " ".join(f.concepts), f.message, f.span.start.line, shown_id))
        for concept in f.concepts:
            self.db.execute("INSERT INTO event_concepts (event_id, kind, concept, ts) VALUES (?, 'fixed', ?, ?)",
                            (eid, concept, ts))
        return eid

    def concepts(self, sid: str, ts: float, counts: dict[str, int]) -> None:
        for concept, n in sorted(counts.items()):
            self.db.execute("INSERT INTO concept_uses (id, ts, session_id, file, concept, count, clean)"
                            " VALUES (?,?,?,?,?,?,0)", (self._id(ts), ts, sid, FILE, concept, n))


def build_old_log(data: Path, t0: float) -> dict[str, str]:
    """Four editor sessions on one unchanged file (the issue's restart, three times over)."""
    old = OldLog(data / "events.sqlite3")
    ids = {}
    used = {"comparisons": 2, "none": 1, "conditionals": 2}
    s1 = old.session(t0, t0 + 60)
    ids["none_1"], ids["is_1"] = old.shown(s1, t0, "CC103"), old.shown(s1, t0, "CC102")
    old.concepts(s1, t0, used)
    # Restart two minutes later: the same two mistakes and concepts recorded again; then CC103 is fixed
    # (the fix points at the repeat, as the old recorder linked it).
    s2 = old.session(t0 + 120, t0 + 200)
    ids["none_2"], ids["is_2"] = old.shown(s2, t0 + 120, "CC103"), old.shown(s2, t0 + 120, "CC102")
    old.concepts(s2, t0 + 120, used)
    ids["fix"] = old.fixed(s2, t0 + 180, "CC103", ids["none_2"])
    # The next day CC103 is back (a real new occurrence), CC102 was never fixed.
    s3 = old.session(t0 + DAY, t0 + DAY + 60)
    ids["none_3"], ids["is_3"] = old.shown(s3, t0 + DAY, "CC103"), old.shown(s3, t0 + DAY, "CC102")
    old.concepts(s3, t0 + DAY, {**used, "variables": 1})
    # And the editor opened once more on the unchanged file: nothing new happened.
    s4 = old.session(t0 + DAY + 300, t0 + DAY + 360)
    ids["none_4"], ids["is_4"] = old.shown(s4, t0 + DAY + 300, "CC103"), old.shown(s4, t0 + DAY + 300, "CC102")
    old.concepts(s4, t0 + DAY + 300, {**used, "variables": 1})
    old.db.close()
    return ids


def index_the_old_rows(data: Path, embedder) -> None:
    """The old index: every shown row in Chroma, with the marker the old code left."""
    index = ChromaIndex(ChromaTarget(path=data / "chroma"), embedder.id)
    with sqlite3.connect(data / "events.sqlite3") as db:
        db.row_factory = sqlite3.Row
        Indexer(None, index, embedder, on_indexed=lambda: None).index_rows(  # no log needed to embed rows
            STRUGGLES, db.execute("SELECT * FROM shown").fetchall())
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index.target', ?)",
                   (f"{index.target.describe()}|{index.name(STRUGGLES)}",))
    assert index.count(STRUGGLES) == 8


def test_migration_collapses_repeats_counts_true_and_continues_open_occurrences(
        open_memory, tmp_path, clock, embedder) -> None:
    data = tmp_path / "data"
    t0 = clock()
    ids = build_old_log(data, t0)
    index_the_old_rows(data, embedder)
    clock.advance(2 * DAY)

    mem = open_memory(data)
    assert mem.flush(30, index=False)
    db = sqlite3.connect(data / "events.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    shown = {r[0] for r in db.execute("SELECT id FROM shown")}
    # CC102 was on screen the whole time: one occurrence. CC103: the first, and the one after the fix.
    assert shown == {ids["none_1"], ids["is_1"], ids["none_3"]}
    assert {r[0] for r in db.execute("SELECT event_id FROM event_concepts WHERE kind = 'shown'")} == shown
    assert db.execute("SELECT shown_id FROM fixes").fetchall() == [(ids["none_1"],)]  # repointed to the kept row
    assert sorted(db.execute("SELECT rule, shown_id FROM open_occurrences")) == [
        ("CC102", ids["is_1"]), ("CC103", ids["none_3"])]
    # The unchanged file's concepts count once per change, not per restart.
    assert db.execute("SELECT count(DISTINCT ts) FROM concept_uses").fetchone()[0] == 2
    assert [r[0] for r in db.execute("SELECT events FROM sessions ORDER BY started")] == [3, 1, 2, 0]

    day1, day2 = (datetime.fromtimestamp(t).date() for t in (t0, t0 + DAY))
    both = summary(mem, start=day1, end=day2)
    assert both["totals"]["findings"] == 3 and both["totals"]["fixes"] == 1
    assert both["totals"]["sessions"] == 3  # the fourth recorded nothing
    assert {s["rule"]: s["count"] for s in both["topStruggles"]} == {"CC103": 2, "CC102": 1}

    # The next process sees the same code: nothing is new.
    assert mem.record_shown(FILE, list(FINDINGS.values()), LINES) == []

    # The deleted repeats also left the index (it was rebuilt from the migrated log).
    deadline = time.monotonic() + 60
    while mem.index.count(STRUGGLES) != 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mem.index.count(STRUGGLES) == 3
    cited = {s.event_id for s in mem.similar_struggles(FINDINGS["CC102"], "if answer is 'yes':", 10,
                                                        file="/w/other.py", max_distance=2.0,
                                                        same_rule_max_distance=2.0)}
    assert cited == shown
    db.close()


def test_a_log_that_needs_nothing_collapsed_keeps_every_row(open_memory, tmp_path, clock) -> None:
    data = tmp_path / "data"
    old = OldLog(data / "events.sqlite3")
    t0 = clock()
    sid = old.session(t0, t0 + 60)
    first = old.shown(sid, t0, "CC103")
    old.fixed(sid, t0 + 30, "CC103", first)
    again = old.shown(sid, t0 + 50, "CC103")  # fixed, then back: two occurrences
    old.db.close()
    mem = open_memory(data)
    assert mem.flush(30, index=False)
    assert {e["id"] for e in mem.events("shown")} == {first, again}
    assert summary(mem, start=date.fromtimestamp(t0))["totals"]["findings"] == 2
