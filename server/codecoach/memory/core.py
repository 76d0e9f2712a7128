"""`Memory`: the one facade over the event log, the index, embeddings and mastery.

Threads:
- the caller (the LSP event loop, a CLI) only enqueues: every `record_*` is
  a few dict/deque operations, never I/O, never a model call;
- the writer thread (store.EventLog) commits batches to SQLite, then indexes
  what was committed into Chroma (embedding there), and runs jobs
  (consolidation, forget, reindex) in order with the writes;
- the helper thread (`_Worker`) computes prefetched "similar past struggles"
  and calls the (possibly slow, possibly remote) session summarizer, so the
  writer is never held up by either.
"""

from __future__ import annotations

import collections
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..analysis.concepts import label
from ..analysis.findings import Finding
from . import consolidate as _consolidate
from .embeddings import Embedder, MiniLMEmbedder
from .index import KINDS, STRUGGLES, SUMMARIES, ChromaIndex, ChromaTarget
from .mastery import PREREQUISITES, ConceptTracker, Evidence, Observation, State, Transition, replay
from .paths import DB_FILENAME, chroma_path, ensure_private_dir
from .paths import data_dir as resolve_data_dir
from .schema import EVENT_TABLES, new_id
from .store import EventLog, Statement

log = logging.getLogger(__name__)

REGION_MAX_LINES = 20
REGION_MAX_BYTES = 2048
INDEX_BATCH = 64  # ~0.6 s of embedding: the longest a commit can wait behind an index pass
INDEX_ROWS_PER_PASS = 1024
INDEX_CATCH_UP_DELAY = 3.0  # seconds after open  # per post-commit pass; the rest continues as a queued job


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class PastStruggle:
    event_id: str
    file: str
    when: float
    rule: str
    concepts: tuple[str, ...]
    message: str
    line: int
    distance: float

    @property
    def concept(self) -> str:
        return self.concepts[0] if self.concepts else ""

    def phrase(self, now: float | None = None) -> str:
        return met_before_phrase(self, now)


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


# --------------------------------------------------------------------------- helpers


def finding_key(finding: Finding, file: str) -> str:
    """The cache key for a finding as published in `file` (rule, position, message)."""
    return f"{file}\x1f{finding.rule_id}\x1f{finding.span.start.line}\x1f{finding.span.start.column}\x1f{finding.message}"


def region_text(
    lines: Sequence[str],
    first_line: int,
    last_line: int | None = None,
    *,
    context: int = 2,
    max_lines: int = REGION_MAX_LINES,
    max_bytes: int = REGION_MAX_BYTES,
) -> str:
    """The code around lines first..last (0-based), at most `max_lines` lines and `max_bytes` UTF-8 bytes."""
    if not lines:
        return ""
    last = first_line if last_line is None else max(first_line, last_line)
    start = max(0, first_line - context)
    end = min(len(lines), last + context + 1)
    end = min(end, start + max_lines)
    text = "\n".join(line.rstrip("\r\n") for line in lines[start:end])
    data = text.encode("utf-8")
    if len(data) > max_bytes:
        text = data[:max_bytes].decode("utf-8", "ignore")
    return text


def struggle_text(rule: str, message: str, region: str) -> str:
    """What a struggle is embedded as: the mistake in words, then the code it was on."""
    return f"{rule}: {message}\n{region}".strip()


def humanize_ago(then: float, now: float | None = None) -> str:
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


def met_before_phrase(struggle: PastStruggle, now: float | None = None) -> str:
    """'You met this before: grades.py, 2 days ago'."""
    name = os.path.basename(struggle.file.rstrip("/")) or struggle.file
    return f"You met this before: {name}, {humanize_ago(struggle.when, now)}"


def _to_ts(value: float | int | datetime | date | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).timestamp()
    return float(value)


class _Worker:
    """One daemon thread running small background tasks; keyed tasks are deduplicated."""

    def __init__(self, name: str, max_tasks: int = 256) -> None:
        self._cond = threading.Condition()
        self._tasks: collections.OrderedDict[str, Callable[[], None]] = collections.OrderedDict()
        self._busy = False
        self._stop = False
        self._max = max_tasks
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, key: str, task: Callable[[], None]) -> bool:
        with self._cond:
            if self._stop or key in self._tasks:
                return False
            self._tasks[key] = task
            while len(self._tasks) > self._max:
                self._tasks.popitem(last=False)  # the oldest request is the least useful
            self._cond.notify_all()
            return True

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._tasks or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def stop(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._stop = True
            self._tasks.clear()
            self._cond.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._tasks and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                _, task = self._tasks.popitem(last=False)
                self._busy = True
            try:
                task()
            except Exception:  # noqa: BLE001
                log.exception("memory background task failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


@dataclass
class _Shown:
    event_id: str
    line: int


# --------------------------------------------------------------------------- the facade


class Memory:
    """The coach's memory. Create with `Memory.open(...)`; all record_* calls are non-blocking."""

    def __init__(
        self,
        data_dir: Path,
        *,
        embedder: Embedder,
        chroma: ChromaTarget,
        idle_minutes: float,
        summarize: _consolidate.Summarizer | None,
        clock: Callable[[], float],
        consolidate_every: float | None,
        cache_size: int = 512,
    ) -> None:
        self.data_dir = data_dir
        self.db_path = data_dir / DB_FILENAME
        self.embedder = embedder
        self.index = ChromaIndex(chroma, embedder.id)
        self.idle_seconds = idle_minutes * 60.0
        self.summarize = summarize
        self.clock = clock
        self._lock = threading.RLock()
        self._session_id: str | None = None
        self._session_last: float = 0.0
        self._shown: dict[str, dict[tuple[str, str, str], _Shown]] = {}
        self._concept_state: dict[str, tuple] = {}
        self._cache: collections.OrderedDict[str, list[PastStruggle]] = collections.OrderedDict()
        self._cache_size = cache_size
        self._summarizing: set[str] = set()
        self._index_fault: str | None = None
        self._index_retry_at = 0.0
        self._index_backoff = 1.0
        self._index_more_queued = False
        self._worker = _Worker("codecoach-memory-helper")
        self.log = EventLog(
            self.db_path,
            after_commit=self._index_pending,
            on_tick=self._tick if consolidate_every else None,
            tick_seconds=consolidate_every or 60.0,
        )
        try:
            # Normally milliseconds; if the store is faulted the job stays queued and runs on recovery.
            self.log.submit_job(self._init_db, wait=10.0)
        except Exception as error:  # noqa: BLE001 - a faulted store still opens (degraded)
            log.warning("memory: event log not ready (%s); continuing degraded", error)

    @classmethod
    def open(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        embedder: Embedder | None = None,
        chroma: ChromaTarget | None = None,
        idle_minutes: float = 30.0,
        summarize: _consolidate.Summarizer | None = None,
        clock: Callable[[], float] = time.time,
        consolidate_every: float | None = 60.0,
    ) -> Memory:
        """Open (creating if needed) the memory under `data_dir`.

        data_dir: default $CODECOACH_DATA_DIR, else the platform user data dir; created 0700.
        embedder: default offline MiniLM (loaded lazily, on a background thread).
        chroma: default from the environment (CHROMA_HOST/PORT/AUTH_TOKEN, CHROMA_DB_PATH,
            else <data_dir>/chroma).
        idle_minutes: a session with no event for this long is closed and summarized.
        summarize: optional `SessionDigest -> str` (e.g. Gemini); the template otherwise.
        clock: time source (tests inject one).
        consolidate_every: seconds between background idle checks; None disables the
            internal timer (call `close_idle_sessions` yourself).
        """
        base = ensure_private_dir(resolve_data_dir(data_dir))
        return cls(
            base,
            embedder=embedder or MiniLMEmbedder(),
            chroma=chroma or ChromaTarget.from_env(chroma_path(base)),
            idle_minutes=idle_minutes,
            summarize=summarize,
            clock=clock,
            consolidate_every=consolidate_every,
        )

    # ------------------------------------------------------------------ lifecycle

    def _init_db(self, conn: sqlite3.Connection) -> None:
        try:
            os.chmod(self.db_path, 0o600)
        except OSError:
            pass
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM concept_edges WHERE kind = 'prerequisite'")
        conn.executemany(
            "INSERT OR IGNORE INTO concept_edges (src, dst, kind) VALUES (?, ?, 'prerequisite')", PREREQUISITES
        )
        # The `indexed` flags refer to one set of collections; a new embedder (or a
        # forget that could not reach the index) means everything is indexed again.
        marker = f"{self.index.target.describe()}|{self.index.name(STRUGGLES)}"
        row = conn.execute("SELECT value FROM meta WHERE key = 'index.target'").fetchone()
        dirty = conn.execute("SELECT value FROM meta WHERE key = 'index.dirty'").fetchone()
        if row is None or row[0] != marker or dirty is not None:
            conn.execute("UPDATE shown SET indexed = 0")
            conn.execute("UPDATE summaries SET indexed = 0")
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index.target', ?)", (marker,))
            if dirty is not None:
                conn.execute("DELETE FROM meta WHERE key = 'index.dirty'")
                self._drop_dirty = True
        conn.execute("COMMIT")
        if getattr(self, "_drop_dirty", False):
            self._drop_dirty = False
            try:
                for kind in KINDS:
                    self.index.drop(kind, all_embedders=True)
            except Exception as error:  # noqa: BLE001
                log.warning("memory: could not clear the index (%s); will retry", error)
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index.dirty', '1')")
        # Catch up on rows not yet indexed (a crash, a new embedder) a little later: importing
        # chromadb and loading the model must not compete with the server's first diagnostics.
        timer = threading.Timer(INDEX_CATCH_UP_DELAY, lambda: self.log.submit_job(self._index_job))
        timer.daemon = True
        timer.start()

    def close(self, timeout: float = 5.0, *, index: bool = True) -> bool:
        """End the current session, flush, stop the background threads. Never raises.

        `index=False` commits the log but leaves unindexed events for the next start
        (the index catches up from the log): an editor closing need not wait for the
        embedding model.
        """
        try:
            self.end_session()
            ok = self.flush(timeout, index=index)
            self._worker.stop(0.5)  # a daemon thread: only let a retrieval in flight finish
            ok = self.log.close(timeout, index=index) and ok
            return ok
        except Exception:  # noqa: BLE001
            log.exception("memory: error while closing")
            return False

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def flush(self, timeout: float = 10.0, *, index: bool = True) -> bool:
        """Wait until everything recorded so far is committed (True), or `timeout` passes (False).

        With `index` (the default) also wait until it is in the Chroma index and background
        summaries have been written. A committed event is durable: see store.py.
        """
        deadline = time.monotonic() + timeout
        if not index:
            return self.log.flush(timeout, index=False)
        while True:
            remaining = deadline - time.monotonic()
            if not self.log.flush(max(remaining, 0.0), index=True):
                return False
            remaining = deadline - time.monotonic()
            if not self._worker.wait_idle(max(remaining, 0.0)):
                return False
            # The helper may have queued writes (a summary); settle until both are quiet.
            if self.log.pending == 0 and not self._index_more_queued:
                return True

    @property
    def health(self) -> str:
        """'ok', or what is wrong ("degraded: ..."), for a status bar or a log line."""
        text = self.log.health
        if self._index_fault:
            index_text = f"index unavailable: {self._index_fault}"
            text = index_text if text == "ok" else f"{text}; {index_text}"
            if not text.startswith(("degraded", "failed")):
                text = "degraded: " + text
        return text

    # ------------------------------------------------------------------ sessions

    def start_session(self, at: float | None = None) -> str:
        """Start a new session now (ending the current one); returns its id."""
        ts = self.clock() if at is None else at
        with self._lock:
            self._end_current("restart")
            return self._new_session(ts)

    def end_session(self, closed_by: str = "shutdown") -> None:
        with self._lock:
            self._end_current(closed_by)

    @property
    def session_id(self) -> str | None:
        return self._session_id

    def _new_session(self, ts: float) -> str:
        sid = new_id(ts)
        self._session_id, self._session_last = sid, ts
        self.log.submit(
            [("INSERT OR IGNORE INTO sessions (id, started, last_activity) VALUES (?, ?, ?)", (sid, ts, ts))]
        )
        return sid

    def _end_current(self, closed_by: str) -> None:
        if self._session_id is None:
            return
        self.log.submit(
            [
                (
                    "UPDATE sessions SET ended = max(last_activity, ?), closed_by = ? WHERE id = ? AND ended IS NULL",
                    (self._session_last, closed_by, self._session_id),
                )
            ]
        )
        self._session_id = None

    def _touch(self, ts: float) -> str:
        """The session an event at `ts` belongs to (a new one after an idle gap)."""
        with self._lock:
            if self._session_id is not None and ts - self._session_last > self.idle_seconds:
                self._end_current("idle")
            if self._session_id is None:
                return self._new_session(ts)
            self._session_last = max(self._session_last, ts)
            return self._session_id

    def _event(self, ts: float, sid: str, statements: list[Statement]) -> None:
        statements.append(
            ("UPDATE sessions SET last_activity = max(last_activity, ?) WHERE id = ?", (ts, sid))
        )
        self.log.submit(statements)

    # ------------------------------------------------------------------ recording (non-blocking)

    def record_shown(
        self, file: str, findings: Iterable[Finding], lines: Sequence[str], *, at: float | None = None
    ) -> list[str]:
        """Record the findings now published for `file` (pass the full current list).

        Only new occurrences become events: a finding still shown after an edit (same
        rule, message and line text, even if the line moved) is not recorded again.
        Returns the ids of the new events. Never blocks, never raises.
        """
        try:
            return self._record_shown(file, findings, lines, at)
        except Exception:  # noqa: BLE001
            log.exception("memory: record_shown failed")
            return []

    def _record_shown(self, file: str, findings: Iterable[Finding], lines: Sequence[str], at: float | None) -> list[str]:
        ts = self.clock() if at is None else at
        new_ids: list[str] = []
        with self._lock:
            previous = self._shown.get(file, {})
            current: dict[tuple[str, str, str], _Shown] = {}
            sid: str | None = None
            for f in findings:
                line = f.span.start.line
                text = lines[line].strip() if 0 <= line < len(lines) else ""
                key = (f.rule_id, f.message, text)
                if key in current:
                    continue
                if key in previous:
                    current[key] = _Shown(previous[key].event_id, line)
                    continue
                sid = sid or self._touch(ts)
                eid = new_id(ts)
                concepts = " ".join(f.concepts)
                region = region_text(lines, line, f.span.end.line)
                statements: list[Statement] = [
                    (
                        "INSERT OR IGNORE INTO shown (id, ts, session_id, file, rule, concepts, message, severity,"
                        " line, region, source) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (eid, ts, sid, file, f.rule_id, concepts, f.message, int(f.severity), line, region,
                         f.source.value),
                    )
                ]
                statements += [
                    ("INSERT OR IGNORE INTO event_concepts (event_id, kind, concept, ts) VALUES (?, 'shown', ?, ?)",
                     (eid, c, ts))
                    for c in dict.fromkeys(f.concepts)
                ]
                self._event(ts, sid, statements)
                current[key] = _Shown(eid, line)
                new_ids.append(eid)
            self._shown[file] = current
        return new_ids

    def record_fixed(self, file: str, findings: Iterable[Finding], *, at: float | None = None) -> list[str]:
        """Record findings that disappeared after an edit (the caller decides which). Never raises."""
        try:
            ts = self.clock() if at is None else at
            ids = []
            with self._lock:
                shown = self._shown.get(file, {})
                for f in findings:
                    sid = self._touch(ts)
                    match = [
                        (abs(s.line - f.span.start.line), k)
                        for k, s in shown.items()
                        if k[0] == f.rule_id and k[1] == f.message
                    ]
                    shown_id = None
                    if match:
                        _, key = min(match)
                        shown_id = shown.pop(key).event_id
                    eid = new_id(ts)
                    statements: list[Statement] = [
                        (
                            "INSERT OR IGNORE INTO fixes (id, ts, session_id, file, rule, concepts, message, line,"
                            " shown_id) VALUES (?,?,?,?,?,?,?,?,?)",
                            (eid, ts, sid, file, f.rule_id, " ".join(f.concepts), f.message, f.span.start.line,
                             shown_id),
                        )
                    ]
                    statements += [
                        ("INSERT OR IGNORE INTO event_concepts (event_id, kind, concept, ts) VALUES (?, 'fixed', ?, ?)",
                         (eid, c, ts))
                        for c in dict.fromkeys(f.concepts)
                    ]
                    self._event(ts, sid, statements)
                    ids.append(eid)
            return ids
        except Exception:  # noqa: BLE001
            log.exception("memory: record_fixed failed")
            return []

    def record_hover(self, file: str, finding: Finding, *, kind: str = "hover", at: float | None = None) -> str | None:
        """An explanation was read (kind 'hover', or 'explain' for Explain Selection)."""
        try:
            ts = self.clock() if at is None else at
            sid = self._touch(ts)
            eid = new_id(ts)
            self._event(ts, sid, [(
                "INSERT OR IGNORE INTO hovers (id, ts, session_id, file, rule, concepts, message, line, kind)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (eid, ts, sid, file, finding.rule_id, " ".join(finding.concepts), finding.message,
                 finding.span.start.line, kind),
            )])
            return eid
        except Exception:  # noqa: BLE001
            log.exception("memory: record_hover failed")
            return None

    def record_concepts(
        self,
        file: str,
        counts: Mapping[str, int],
        clean: bool = True,
        *,
        flagged: Collection[str] = (),
        at: float | None = None,
    ) -> int:
        """Concepts the analysed file uses (slug -> count).

        A concept counts as a clean use when `clean` is true and it is not in
        `flagged` (the concepts of the file's current findings). An observation
        identical to the previous one for the same file is skipped, so calling
        this on every analysis is fine. Returns the number of rows queued.
        """
        try:
            ts = self.clock() if at is None else at
            flagged_set = frozenset(flagged)
            rows = tuple(
                sorted((c, int(n), bool(clean) and c not in flagged_set) for c, n in counts.items() if n > 0)
            )
            with self._lock:
                if self._concept_state.get(file) == rows:
                    return 0
                self._concept_state[file] = rows
                if not rows:
                    return 0
                sid = self._touch(ts)
                statements: list[Statement] = [
                    ("INSERT OR IGNORE INTO concept_uses (id, ts, session_id, file, concept, count, clean)"
                     " VALUES (?,?,?,?,?,?,?)", (new_id(ts), ts, sid, file, c, n, int(ok)))
                    for c, n, ok in rows
                ]
                self._event(ts, sid, statements)
            return len(rows)
        except Exception:  # noqa: BLE001
            log.exception("memory: record_concepts failed")
            return 0

    def record_feedback(
        self, file: str, rule: str, helpful: bool, note: str = "", *, at: float | None = None
    ) -> str | None:
        """'Was this explanation helpful?' for `rule`."""
        try:
            ts = self.clock() if at is None else at
            sid = self._touch(ts)
            eid = new_id(ts)
            self._event(ts, sid, [(
                "INSERT OR IGNORE INTO feedback (id, ts, session_id, file, rule, helpful, note) VALUES (?,?,?,?,?,?,?)",
                (eid, ts, sid, file, rule, int(bool(helpful)), note[:2000]),
            )])
            return eid
        except Exception:  # noqa: BLE001
            log.exception("memory: record_feedback failed")
            return None

    def forget_file_state(self, file: str) -> None:
        """The document was closed: drop per-file dedup state (its next findings are new occurrences)."""
        with self._lock:
            self._shown.pop(file, None)
            self._concept_state.pop(file, None)

    # ------------------------------------------------------------------ index (writer thread)

    def _index_pending(self, conn: sqlite3.Connection) -> None:
        """Post-commit hook: embed and index rows not yet in Chroma. Fails soft, retried later."""
        now = time.monotonic()
        if self._index_fault and now < self._index_retry_at:
            return
        done = 0
        yielded = False
        for kind, table in ((STRUGGLES, "shown"), (SUMMARIES, "summaries")):
            while done < INDEX_ROWS_PER_PASS:
                if self.log.writes_waiting():
                    # Embedding is slow; commits (and a closing editor) must not wait behind it.
                    yielded = True
                    break
                rows = conn.execute(
                    f"SELECT * FROM {table} WHERE indexed = 0 ORDER BY ts LIMIT {INDEX_BATCH}"
                ).fetchall()
                if not rows:
                    break
                try:
                    self._index_rows(kind, rows)
                except Exception as error:  # noqa: BLE001 - the index is optional, the log is not
                    self._note_index_fault(error)
                    return
                ids = [r["id"] for r in rows]
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(f"UPDATE {table} SET indexed = 1 WHERE id = ?", [(i,) for i in ids])
                conn.execute("COMMIT")
                done += len(rows)
        if done:
            # Retrievals computed before these rows were searchable may now be incomplete.
            with self._lock:
                self._cache.clear()
        if self._index_fault:
            log.info("memory index recovered (%s)", self._index_fault)
        self._index_fault, self._index_backoff = None, 1.0
        if (yielded or done >= INDEX_ROWS_PER_PASS) and not self._index_more_queued and not self.log.closing:
            # A backlog (first start, new embedder): continue after the events queued meanwhile.
            self._index_more_queued = True
            self.log.submit_job(self._index_job)

    def _index_job(self, conn: sqlite3.Connection) -> None:
        self._index_more_queued = False
        self._index_pending(conn)

    def _index_rows(self, kind: str, rows: Sequence[sqlite3.Row]) -> None:
        if kind == STRUGGLES:
            texts = [struggle_text(r["rule"], r["message"], r["region"]) for r in rows]
            metas = [
                {
                    "event_id": r["id"], "file": r["file"], "rule": r["rule"],
                    "concept": (r["concepts"].split() or [""])[0], "concepts": r["concepts"],
                    "message": r["message"], "line": int(r["line"]), "ts": float(r["ts"]),
                    "session_id": r["session_id"] or "",
                }
                for r in rows
            ]
            docs = [r["region"] for r in rows]
        else:
            texts = [r["text"] for r in rows]
            metas = [
                {"event_id": r["id"], "session_id": r["session_id"] or "", "ts": float(r["ts"]),
                 "started": float(r["started"]), "ended": float(r["ended"]), "source": r["source"]}
                for r in rows
            ]
            docs = texts
        vectors = self.embedder.embed(texts)
        self.index.upsert(kind, [r["id"] for r in rows], vectors, docs, metas)

    def _note_index_fault(self, error: BaseException) -> None:
        text = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        if text != self._index_fault:
            log.warning("memory index unavailable (%s); the event log keeps everything, will retry", text)
        self._index_fault = text
        self._index_retry_at = time.monotonic() + self._index_backoff
        self._index_backoff = min(self._index_backoff * 2, 300.0)

    def _tick(self, conn: sqlite3.Connection) -> None:
        self._close_idle_job(conn, self.clock())
        self._index_pending(conn)

    # ------------------------------------------------------------------ consolidation

    def close_idle_sessions(self, now: float | None = None) -> None:
        """Close sessions idle for `idle_minutes` as of `now` and summarize them, in the background.

        Returns at once; `flush()` waits for the summaries. The internal timer calls this
        every `consolidate_every` seconds with the injected clock.
        """
        now = self.clock() if now is None else now
        with self._lock:
            if self._session_id is not None and now - self._session_last >= self.idle_seconds:
                self._end_current("idle")
        self.log.submit_job(lambda conn: self._close_idle_job(conn, now))

    def _close_idle_job(self, conn: sqlite3.Connection, now: float) -> None:
        with self._lock:
            live = self._session_id
        cutoff = now - self.idle_seconds
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE sessions SET ended = last_activity, closed_by = 'idle'"
            " WHERE ended IS NULL AND last_activity <= ? AND id IS NOT ?",
            (cutoff, live),
        )
        conn.execute("COMMIT")
        rows = conn.execute(
            "SELECT id, started, ended FROM sessions WHERE ended IS NOT NULL AND summarized = 0 ORDER BY started"
        ).fetchall()
        for row in rows:
            sid = row["id"]
            if sid in self._summarizing:
                continue
            digest = _consolidate.digest_session(conn, sid, row["started"], row["ended"])
            if not (digest.findings or digest.fixes or digest.hovers or digest.concepts_used):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("UPDATE sessions SET summarized = 1 WHERE id = ?", (sid,))
                conn.execute("COMMIT")
                continue
            self._summarizing.add(sid)
            self._worker.submit("summary:" + sid, lambda d=digest: self._write_summary(d))

    def _write_summary(self, digest: _consolidate.SessionDigest) -> None:
        """Helper thread: make the text (maybe an LLM call), then queue the write."""
        try:
            text, source = _consolidate.summarize(digest, self.summarize)
            ts = digest.ended
            self.log.submit([
                ("INSERT OR IGNORE INTO summaries (id, ts, session_id, started, ended, text, stats, source)"
                 " VALUES (?,?,?,?,?,?,?,?)",
                 (new_id(ts), ts, digest.session_id, digest.started, digest.ended, text, digest.to_json(), source)),
                ("UPDATE sessions SET summarized = 1 WHERE id = ?", (digest.session_id,)),
            ])
        finally:
            self.log.submit_job(lambda conn: self._summarizing.discard(digest.session_id))

    # ------------------------------------------------------------------ retrieval

    def occurrence_id(self, file: str, finding: Finding) -> str | None:
        """The event id under which this finding, as currently shown in `file`, was recorded."""
        with self._lock:
            best = None
            for key, shown in self._shown.get(file, {}).items():
                if key[0] == finding.rule_id and key[1] == finding.message:
                    distance = abs(shown.line - finding.span.start.line)
                    if best is None or distance < best[0]:
                        best = (distance, shown.event_id)
            return best[1] if best else None

    def similar_struggles(
        self,
        finding: Finding,
        region_text: str = "",
        k: int = 3,
        *,
        file: str | None = None,
        max_distance: float = 0.35,
        same_rule_max_distance: float = 0.8,
        exclude_ids: Collection[str] = (),
    ) -> list[PastStruggle]:
        """Past struggles like this finding, nearest first (blocking: embeds and queries).

        With `file`, the occurrence shown right now in that file is excluded (it is not
        "before"); `exclude_ids` excludes more. Results farther than `max_distance`
        (cosine; `same_rule_max_distance` for the same rule id) are dropped as not relevant. Call from a background thread or a
        command, not on the typing path: the hover uses `prefetch` + `cached_similar`.
        Returns [] if the index is unavailable.
        """
        exclude = set(exclude_ids)
        if file is not None:
            current = self.occurrence_id(file, finding)
            if current:
                exclude.add(current)
        text = struggle_text(finding.rule_id, finding.message, region_text)
        # The same rule is the strongest sign of "the same mistake": those first, nearest
        # code first; then other rules only when the text is really close.
        same = self.similar_to_text(text, k, max_distance=same_rule_max_distance, exclude_ids=exclude,
                                    where={"rule": finding.rule_id})
        if len(same) >= k:
            return same
        exclude |= {s.event_id for s in same}
        others = [s for s in self.similar_to_text(text, k, max_distance=max_distance, exclude_ids=exclude)
                  if s.rule != finding.rule_id]
        return same + others[: k - len(same)]

    def similar_to_text(
        self, text: str, k: int = 3, *, max_distance: float = 0.35, exclude_ids: Collection[str] = (),
        where: Mapping[str, Any] | None = None,
    ) -> list[PastStruggle]:
        """Past struggles near any text (a code region, a question), nearest first."""
        try:
            exclude = set(exclude_ids)
            vector = self.embedder.embed([text])[0]
            hits = self.index.query(STRUGGLES, vector, k + len(exclude) + 2, where=where)
        except Exception as error:  # noqa: BLE001
            log.warning("memory: similar struggles unavailable (%s)", error)
            return []
        out = []
        for eid, distance, meta, _doc in hits:
            if eid in exclude or distance > max_distance:
                continue
            out.append(PastStruggle(
                event_id=eid, file=str(meta.get("file", "")), when=float(meta.get("ts", 0.0)),
                rule=str(meta.get("rule", "")), concepts=tuple(str(meta.get("concepts", "")).split()),
                message=str(meta.get("message", "")), line=int(meta.get("line", 0)), distance=distance,
            ))
            if len(out) >= k:
                break
        return out

    def similar_summaries(self, text: str, k: int = 3) -> list[tuple[str, float, float]]:
        """(summary text, session end time, distance) of past sessions near `text`."""
        try:
            vector = self.embedder.embed([text])[0]
            hits = self.index.query(SUMMARIES, vector, k)
        except Exception as error:  # noqa: BLE001
            log.warning("memory: similar summaries unavailable (%s)", error)
            return []
        return [(doc, float(meta.get("ended", 0.0)), dist) for _id, dist, meta, doc in hits]

    def prefetch(self, finding: Finding, region_text: str, file: str, *, k: int = 3) -> None:
        """Compute `similar_struggles` in the background for a later instant `cached_similar`."""
        key = finding_key(finding, file)
        with self._lock:
            if key in self._cache:
                return

        def task() -> None:
            result = self.similar_struggles(finding, region_text, k, file=file)
            with self._lock:
                self._cache[key] = result
                self._cache.move_to_end(key)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)

        self._worker.submit("similar:" + key, task)

    def cached_similar(self, key: str) -> list[PastStruggle] | None:
        """The prefetched result for `finding_key(finding, file)`, or None if not computed yet."""
        with self._lock:
            result = self._cache.get(key)
            if result is not None:
                self._cache.move_to_end(key)
            return result

    def warm_up(self) -> None:
        """Load the embedding model and open the index in the background (optional)."""
        def task() -> None:
            try:
                self.embedder.embed(["warm up"])
                self.index.collection(STRUGGLES)
            except Exception as error:  # noqa: BLE001
                log.warning("memory: warm-up failed (%s)", error)
        self._worker.submit("warm-up", task)

    # ------------------------------------------------------------------ queries (read side)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self.log.read().execute(sql, params).fetchall()
        except sqlite3.Error as error:
            log.warning("memory: query failed (%s)", error)
            return []

    @staticmethod
    def _range(since: Any, until: Any) -> tuple[float, float]:
        return (_to_ts(since) or 0.0, _to_ts(until) or float("inf"))

    _COUNTABLE = {"shown": "shown", "findings": "shown", "fixes": "fixes", "fixed": "fixes",
                  "hovers": "hovers", "feedback": "feedback", "concept_uses": "concept_uses",
                  "summaries": "summaries"}

    def _table(self, kind: str) -> str:
        try:
            return self._COUNTABLE[kind]
        except KeyError:
            raise ValueError(f"unknown event kind {kind!r}; use one of {sorted(self._COUNTABLE)}") from None

    def per_day(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        """Events of `kind` per local day ('YYYY-MM-DD' -> count)."""
        lo, hi = self._range(since, until)
        rows = self._rows(
            f"SELECT date(ts, 'unixepoch', 'localtime') AS day, count(*) AS n FROM {self._table(kind)}"
            " WHERE ts >= ? AND ts < ? GROUP BY day ORDER BY day", (lo, hi))
        return {r["day"]: r["n"] for r in rows}

    def per_concept(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        """Findings ('shown') or fixes ('fixed') per concept, most first."""
        lo, hi = self._range(since, until)
        link = {"shown": "shown", "findings": "shown", "fixes": "fixed", "fixed": "fixed"}.get(kind)
        if link is None:
            raise ValueError("per_concept counts 'shown' or 'fixed'")
        rows = self._rows(
            "SELECT concept, count(*) AS n FROM event_concepts WHERE kind = ? AND ts >= ? AND ts < ?"
            " GROUP BY concept ORDER BY n DESC, concept", (link, lo, hi))
        return {r["concept"]: r["n"] for r in rows}

    def per_rule(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        lo, hi = self._range(since, until)
        rows = self._rows(
            f"SELECT rule, count(*) AS n FROM {self._table(kind)} WHERE ts >= ? AND ts < ?"
            " GROUP BY rule ORDER BY n DESC, rule", (lo, hi))
        return {r["rule"]: r["n"] for r in rows}

    def per_file(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        lo, hi = self._range(since, until)
        rows = self._rows(
            f"SELECT file, count(*) AS n FROM {self._table(kind)} WHERE ts >= ? AND ts < ?"
            " GROUP BY file ORDER BY n DESC, file", (lo, hi))
        return {r["file"]: r["n"] for r in rows}

    def active_seconds_per_day(self, since: Any = None, until: Any = None) -> dict[str, float]:
        """Time spent in sessions per local day of their start (sessions split at idle gaps)."""
        lo, hi = self._range(since, until)
        rows = self._rows(
            "SELECT date(started, 'unixepoch', 'localtime') AS day,"
            " sum(coalesce(ended, last_activity) - started) AS s FROM sessions"
            " WHERE started >= ? AND started < ? GROUP BY day ORDER BY day", (lo, hi))
        return {r["day"]: float(r["s"] or 0.0) for r in rows}

    def events(self, kind: str = "shown", since: Any = None, until: Any = None, *, limit: int = 1000,
               file: str | None = None, rule: str | None = None, concept: str | None = None) -> list[dict[str, Any]]:
        """Rows of one event table, newest first, optionally filtered."""
        lo, hi = self._range(since, until)
        table = self._table(kind)
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
        return [dict(r) for r in self._rows(sql, params)]

    def sessions(self, since: Any = None, until: Any = None) -> list[dict[str, Any]]:
        lo, hi = self._range(since, until)
        return [dict(r) for r in self._rows(
            "SELECT * FROM sessions WHERE started >= ? AND started < ? ORDER BY started", (lo, hi))]

    def summaries(self, since: Any = None, until: Any = None) -> list[dict[str, Any]]:
        lo, hi = self._range(since, until)
        return [dict(r) for r in self._rows(
            "SELECT id, ts, session_id, started, ended, text, source FROM summaries"
            " WHERE ts >= ? AND ts < ? ORDER BY ts", (lo, hi))]

    def feedback_counts(self, since: Any = None, until: Any = None) -> dict[str, tuple[int, int]]:
        """rule -> (helpful, not helpful)."""
        lo, hi = self._range(since, until)
        out: dict[str, list[int]] = {}
        for r in self._rows(
            "SELECT rule, helpful, count(*) AS n FROM feedback WHERE ts >= ? AND ts < ? GROUP BY rule, helpful",
            (lo, hi),
        ):
            out.setdefault(r["rule"], [0, 0])[0 if r["helpful"] else 1] = r["n"]
        return {k: (v[0], v[1]) for k, v in out.items()}

    def counts(self) -> dict[str, int]:
        """Rows per table (for `codecoach` status output and tests)."""
        out = {}
        for table in ("sessions", *EVENT_TABLES):
            rows = self._rows(f"SELECT count(*) AS n FROM {table}")
            out[table] = rows[0]["n"] if rows else 0
        return out

    # ------------------------------------------------------------------ concept mastery and graph

    def _evidence(self, until: float) -> list[tuple[str, Observation]]:
        ev: list[tuple[str, Observation]] = []
        for r in self._rows("SELECT concept, ts, session_id, clean FROM concept_uses WHERE ts <= ?", (until,)):
            kind = Evidence.CLEAN_USE if r["clean"] else Evidence.USE_WITH_FINDING
            ev.append((r["concept"], Observation(r["ts"], kind, r["session_id"] or "")))
        for r in self._rows("SELECT concept, kind, ts FROM event_concepts WHERE ts <= ?", (until,)):
            kind = Evidence.FINDING if r["kind"] == "shown" else Evidence.FIX
            ev.append((r["concept"], Observation(r["ts"], kind)))
        return ev

    def _trackers(self, until: float | None) -> dict[str, ConceptTracker]:
        return replay(self._evidence(self.clock() if until is None else until))

    def mastery(self, at: Any = None) -> dict[str, ConceptMastery]:
        """State of every concept with evidence up to `at` (default now). Unlisted concepts are unseen."""
        out = {}
        for concept, t in sorted(self._trackers(_to_ts(at)).items()):
            out[concept] = ConceptMastery(concept, label(concept), t.state, t.since, t.clean_uses, t.findings,
                                          t.fixes, t.last_seen)
        return out

    def mastery_changes(self, since: Any, until: Any = None) -> list[MasteryChange]:
        """Concepts whose state at `until` differs from their state at `since`, with the steps between."""
        lo = _to_ts(since) or 0.0
        hi = _to_ts(until) if until is not None else self.clock()
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
        return [r["src"] for r in self._rows(
            "SELECT src FROM concept_edges WHERE dst = ? AND kind = 'prerequisite' ORDER BY src", (concept,))]

    def dependents(self, concept: str) -> list[str]:
        return [r["dst"] for r in self._rows(
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
        lo, hi = self._range(since, until)
        return [dict(r) for r in self._rows(
            "SELECT s.* FROM event_concepts ec JOIN shown s ON s.id = ec.event_id"
            " WHERE ec.concept = ? AND ec.kind = 'shown' AND ec.ts >= ? AND ec.ts < ?"
            " ORDER BY ec.ts DESC LIMIT ?", (concept, lo, hi, limit))]

    # ------------------------------------------------------------------ admin

    def reindex(self, timeout: float = 600.0) -> dict[str, int]:
        """Rebuild this embedder's Chroma collections from the event log. Blocking; raises on failure."""
        def job(conn: sqlite3.Connection) -> dict[str, int]:
            try:
                for kind in KINDS:
                    self.index.drop(kind)
            except Exception as error:  # noqa: BLE001 - a corrupted local index is rebuilt from scratch
                aside = self.index.set_aside_local()
                if aside is None:
                    raise
                log.warning("memory: the index could not be opened (%s); moved it to %s and rebuilding",
                            error, aside)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE shown SET indexed = 0")
            conn.execute("UPDATE summaries SET indexed = 0")
            conn.execute("COMMIT")
            counts = {}
            for kind, table in ((STRUGGLES, "shown"), (SUMMARIES, "summaries")):
                n = 0
                while True:
                    rows = conn.execute(
                        f"SELECT * FROM {table} WHERE indexed = 0 ORDER BY ts LIMIT {INDEX_BATCH}").fetchall()
                    if not rows:
                        break
                    self._index_rows(kind, rows)
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany(f"UPDATE {table} SET indexed = 1 WHERE id = ?", [(r["id"],) for r in rows])
                    conn.execute("COMMIT")
                    n += len(rows)
                counts[kind] = n
            self._index_fault = None
            return counts

        result = self.log.submit_job(job, wait=timeout)
        with self._lock:
            self._cache.clear()
        return result

    def forget(self, *, all: bool = False, before: Any = None, timeout: float = 120.0) -> dict[str, int]:
        """Delete events (all, or older than `before`) from the log AND the index. Blocking.

        Deleted rows are overwritten (secure_delete) and the WAL is truncated. If the
        index cannot be reached, the log is still cleared and the index is cleared at
        the next start (it is marked dirty). Returns rows deleted per table.
        """
        if all == (before is not None):
            raise ValueError("forget needs exactly one of all=True or before=DATE")
        cutoff = None if all else _to_ts(before)

        def job(conn: sqlite3.Connection) -> dict[str, int]:
            deleted = {}
            conn.execute("BEGIN IMMEDIATE")
            for table, col in EVENT_TABLES.items():
                if cutoff is None:
                    deleted[table] = conn.execute(f"DELETE FROM {table}").rowcount
                else:
                    deleted[table] = conn.execute(f"DELETE FROM {table} WHERE {col} < ?", (cutoff,)).rowcount
            if cutoff is None:
                deleted["sessions"] = conn.execute("DELETE FROM sessions").rowcount
            else:
                deleted["sessions"] = conn.execute(
                    "DELETE FROM sessions WHERE coalesce(ended, last_activity) < ?", (cutoff,)).rowcount
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            try:
                for kind in KINDS:
                    if cutoff is None:
                        self.index.drop(kind, all_embedders=True)
                    else:
                        self.index.delete_where(kind, {"ts": {"$lt": cutoff}}, all_embedders=True)
            except Exception as error:  # noqa: BLE001
                log.warning("memory: could not delete from the index (%s); it is rebuilt at next start", error)
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index.dirty', '1')")
            return deleted

        if cutoff is None:
            with self._lock:
                self._session_id = None
                self._shown.clear()
                self._concept_state.clear()
        result = self.log.submit_job(job, wait=timeout)
        with self._lock:
            self._cache.clear()
        return result
