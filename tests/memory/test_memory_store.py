"""The event log: durable, restart-safe, private, and never raising into the caller."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from memtools import EXCEPT_MSG, NONE_MSG, make_finding

from codecoach.memory.schema import SCHEMA_VERSION
from codecoach.memory.store import EventLog

LINES = ["total = 0", "if total == None:", "    print(total)", "try:", "    x = 1", "except:", "    pass"]


def test_restart_keeps_everything(open_memory, tmp_path: Path, clock) -> None:
    data = tmp_path / "data"
    mem = open_memory(data)
    f1 = make_finding("CC103", NONE_MSG, 1, ("none",))
    f2 = make_finding("CC502", EXCEPT_MSG, 5, ("exceptions",))
    shown = mem.record_shown("/w/grades.py", [f1, f2], LINES)
    assert len(shown) == 2
    assert mem.record_shown("/w/grades.py", [f1, f2], LINES) == []  # republished: not a new occurrence
    clock.advance(30)
    mem.record_fixed("/w/grades.py", [f2])
    mem.record_hover("/w/grades.py", f1)
    mem.record_concepts("/w/grades.py", {"none": 1, "conditionals": 1}, flagged={"none"})
    mem.record_feedback("/w/grades.py", "CC103", helpful=True)
    assert mem.flush(30)
    before = mem.counts()
    mastery_before = mem.mastery()
    assert mem.close()

    again = open_memory(data)
    assert again.counts() == before
    assert before["shown"] == 2 and before["fixes"] == 1 and before["hovers"] == 1
    assert before["concept_uses"] == 2 and before["feedback"] == 1 and before["sessions"] == 1
    assert again.mastery() == mastery_before
    fixed = again.events("fixes")[0]
    assert fixed["shown_id"] == shown[1]  # the fix points at the occurrence it fixed
    region = again.events("shown", rule="CC103")[0]["region"]
    assert "if total == None:" in region and len(region.splitlines()) <= 20
    # The similar-struggles index survives the restart as well.
    assert again.similar_struggles(make_finding("CC103", NONE_MSG, 0, ("none",)), "x == None")[0].event_id == shown[0]


def test_schema_version_wal_and_private_permissions(open_memory, tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    mem = open_memory(data)
    assert mem.flush(10)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    db = data / "events.sqlite3"
    assert stat.S_IMODE(db.stat().st_mode) & 0o077 == 0
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    edges = conn.execute("SELECT count(*) FROM concept_edges WHERE kind='prerequisite'").fetchone()[0]
    assert edges > 20
    conn.close()
    assert "functions" in mem.prerequisites("recursion") or "return-values" in mem.prerequisites("recursion")


def test_data_dir_from_environment(open_memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder) -> None:
    from codecoach.memory import Memory

    target = tmp_path / "envdata"
    monkeypatch.setenv("CODECOACH_DATA_DIR", str(target))
    mem = Memory.open(embedder=embedder, consolidate_every=None)
    try:
        assert mem.data_dir == target and (target / "events.sqlite3").exists()
        assert mem.index.target.path == target / "chroma"
    finally:
        mem.close()


CHILD = textwrap.dedent(
    """
    import sys, time
    from codecoach.analysis.findings import Explanation, Finding, Severity, Span
    from codecoach.memory import Memory
    from codecoach.memory.embeddings import MiniLMEmbedder

    class NoEmbedder:  # the index is not under test here: keep the child light
        id = "none"; dim = 3
        def embed(self, texts): raise RuntimeError("no index in this test")

    mem = Memory.open(sys.argv[1], embedder=NoEmbedder(), consolidate_every=None)
    expl = Explanation("w", "i", "h", "u")
    n = 0
    while True:
        ids = []
        for _ in range(50):
            n += 1
            f = Finding(f"CC{n}", Span.of(0, 0, 0, 1), Severity.WARNING, f"m{n}", expl, ("loops",))
            ids += mem.record_shown(f"/w/f{n}.py", [f], ["x = 1"])
        if mem.flush(10, index=False):
            print(" ".join(ids), flush=True)
    """
)


def test_sigkill_loses_no_committed_event(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    confirmed: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while len(confirmed) < 1000 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            confirmed += line.split()
        # Killed while it keeps writing: some events are queued, some mid-commit.
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert len(confirmed) >= 1000, "the child did not confirm enough events"
    conn = sqlite3.connect(data / "events.sqlite3")
    stored = {row[0] for row in conn.execute("SELECT id FROM shown")}
    conn.close()
    missing = [i for i in confirmed if i not in stored]
    assert not missing, f"{len(missing)} confirmed events lost"


def _finding(n: int):
    return make_finding(f"CC{n:03d}", f"message {n}", 0)


def _make_read_only(paths: list[Path]) -> bool:
    """chmod, and (as root, who ignores modes) the immutable attribute where supported."""
    for path in paths:
        path.chmod(0o500 if path.is_dir() else 0o400)
    if os.geteuid() == 0 and shutil.which("chattr"):
        return all(subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode == 0 for p in paths)
    return True


def _make_writable(paths: list[Path]) -> None:
    for path in paths:
        if os.geteuid() == 0 and shutil.which("chattr"):
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        path.chmod(0o700 if path.is_dir() else 0o600)


def test_read_only_database_does_not_raise(open_memory, tmp_path: Path, clock) -> None:
    data = tmp_path / "data"
    mem = open_memory(data)
    mem.record_shown("/w/a.py", [_finding(1)], ["x = 1"])
    assert mem.flush(10)
    mem.close()
    paths = [p for p in data.iterdir() if p.is_file()] + [data]
    try:
        if not _make_read_only(paths) or os.access(data / "events.sqlite3", os.W_OK) and os.geteuid() != 0:
            pytest.skip("cannot make the database read-only here")
        mem = open_memory(data)
        ids = mem.record_shown("/w/b.py", [_finding(2)], ["y = 2"])  # must not raise
        assert ids and not mem.flush(1.0)
        assert mem.health.startswith("degraded")
        assert isinstance(mem.mastery(), dict)
    finally:
        _make_writable(paths)
    # Writable again: the queued event is retried and lands.
    mem.log.wake()
    assert mem.flush(20)
    assert mem.health == "ok"
    assert {r["rule"] for r in mem.events("shown")} == {"CC001", "CC002"}


def test_locked_database_keeps_events_and_recovers(open_memory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    mem = open_memory(data)
    assert mem.flush(10)
    mem.log.busy_ms = 100
    if mem.log._conn is not None:
        mem.log._conn.execute("PRAGMA busy_timeout = 100")
    blocker = sqlite3.connect(data / "events.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        ids = [mem.record_shown(f"/w/{n}.py", [_finding(n)], ["x = 1"]) for n in range(20)]
        assert time.monotonic() - start < 0.5  # the caller never waits for the lock
        assert all(ids)
        assert not mem.flush(1.5)
        assert "locked" in mem.health
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    mem.log.wake()
    assert mem.flush(20)
    assert mem.health == "ok"
    assert mem.counts()["shown"] == 20


def test_queue_is_bounded_while_faulted(tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("")
    log = EventLog(tmp_path / "not-a-dir" / "events.sqlite3", max_pending=100)
    try:
        for n in range(250):
            log.submit([("INSERT INTO nowhere VALUES (?)", (n,))])
        assert log.pending <= 100
        deadline = time.monotonic() + 5
        while not log.health.startswith("degraded") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "dropped" in log.health and log.health.startswith("degraded")
        assert not log.flush(0.2)
    finally:
        log.close(0.5)


def test_a_bad_statement_does_not_wedge_the_queue(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.sqlite3")
    try:
        log.submit([("INSERT INTO meta (key, value) VALUES ('a', '1')", ())])
        log.submit([("INSERT INTO meta (key, value) VALUES ('a', '2')", ())])  # duplicate key: rejected
        log.submit([("INSERT INTO meta (key, value) VALUES ('b', '3')", ())])
        assert log.flush(10)
        rows = dict(log.read().execute("SELECT key, value FROM meta").fetchall())
        assert rows == {"a": "1", "b": "3"} and log.health == "ok"
    finally:
        log.close()


def test_newer_schema_is_refused_softly(tmp_path: Path) -> None:
    db = tmp_path / "events.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    log = EventLog(db)
    try:
        log.submit([("SELECT 1", ())])
        assert not log.flush(0.5)
        assert "newer" in log.health
    finally:
        log.close(0.5)
