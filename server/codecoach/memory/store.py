"""The event log: SQLite in WAL mode, written by one background thread.

Callers enqueue writes (`submit`) and return at once: the typing path only
appends to an in-memory deque. The writer thread takes everything queued,
commits it in one transaction, then runs the post-commit hook (the Chroma
index) and any queued jobs (consolidation, admin work) in order.

Durability: the database runs with journal_mode=WAL and synchronous=FULL.
In WAL mode, synchronous=NORMAL survives an application crash (SIGKILL) but a
power loss or OS crash can roll back the last transactions, because the WAL
is only fsynced at checkpoints. FULL fsyncs the WAL on every commit, so once
`COMMIT` returns the batch is on stable storage. Batching makes the fsync
cheap: one per batch, not one per event. `flush()` returns only after the
batch holding everything enqueued before it has committed, so "flush
returned True" means "on disk".

Faults (locked, read-only, disk full, a vanished directory) never raise into
callers: the writer logs once per kind of fault, keeps the events in memory
(bounded by `max_pending`; beyond that the oldest are dropped and counted),
retries with backoff, and `health` says what is wrong.

A statement's parameter may be `Deferred`: its value is computed on the writer
thread just before the transaction opens. Recording uses it for redaction, which
takes a fraction of a millisecond usually, but 0.4-2 s the first time (loading the
rule set): never on the caller's thread, and never while holding the write lock.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import private_file
from .schema import MIGRATIONS

log = logging.getLogger(__name__)

Statement = tuple[str, Sequence[Any]]


class Deferred:
    """A statement parameter whose value the writer thread computes, outside any transaction."""

    def resolve(self) -> Any:
        raise NotImplementedError


def _resolved(value: Any) -> Any:
    if not isinstance(value, Deferred):
        return value
    try:
        return value.resolve()
    except Exception:  # noqa: BLE001 - a bug here must not wedge the queue: the event fails alone
        log.exception("memory: a deferred value could not be computed; its event is dropped")
        return None


@dataclass
class _Item:
    seq: int
    statements: tuple[Statement, ...] | None = None  # an event: statements committed together
    job: Callable[[sqlite3.Connection], Any] | None = None  # work run on the writer thread
    done: threading.Event | None = None
    result: Any = None
    error: BaseException | None = None


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to the newest schema; return the version found before."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > len(MIGRATIONS):
        raise sqlite3.OperationalError(
            f"the event log has schema version {version}, newer than this Code Coach knows "
            f"({len(MIGRATIONS)}); upgrade Code Coach"
        )
    for target in range(version + 1, len(MIGRATIONS) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            step = MIGRATIONS[target - 1]
            if callable(step):  # a data migration SQL alone cannot express
                step(conn)
            else:
                # executescript would COMMIT first; run statement by statement instead.
                for statement in _split_sql(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version


def compact(conn: sqlite3.Connection) -> str:
    """Rewrite the database without free pages, then empty the WAL: what was deleted is in
    neither file any more. Returns what could not be done ("" when all of it was).

    Deleted rows are already zeroed by secure_delete; VACUUM also drops the pages that
    held them, and a TRUNCATE checkpoint empties the WAL, which still has old page images
    until then. Another process reading the log at that moment can keep the WAL from
    being emptied (SQLite then reports it busy): said, not hidden.
    """
    problems = []
    try:
        conn.execute("VACUUM")
    except sqlite3.OperationalError as error:
        problems.append(f"not compacted ({error})")
    busy, _frames, _moved = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        problems.append("the WAL could not be emptied: another process is reading the database")
    return "; ".join(problems)


def _split_sql(script: str) -> list[str]:
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        code = line.split("--", 1)[0]
        buf += code
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def connect(path: Path, *, readonly: bool = False, busy_ms: int = 2000) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False,
            timeout=busy_ms / 1000,
        )
        conn.execute("PRAGMA query_only = ON")
    else:
        private_file(path)  # created 0600 before SQLite opens it: its -wal and -shm follow that mode
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=busy_ms / 1000)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # e.g. a read-only file: WAL cannot be set up
            raise sqlite3.OperationalError(f"cannot enable WAL (journal_mode={mode})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA secure_delete = ON")  # `forget` overwrites deleted content
        conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
    conn.row_factory = sqlite3.Row
    return conn


class EventLog:
    """SQLite event log with a background writer. Thread-safe; never raises on write paths."""

    def __init__(
        self,
        path: Path,
        *,
        max_pending: int = 50_000,
        batch_max: int = 1000,
        linger_seconds: float = 0.02,
        tick_seconds: float = 30.0,
        after_commit: Callable[[sqlite3.Connection], None] | None = None,
        on_tick: Callable[[sqlite3.Connection], None] | None = None,
        busy_ms: int = 2000,
    ) -> None:
        self.path = path
        self.max_pending = max_pending
        self.batch_max = batch_max
        self.linger = linger_seconds
        self.tick_seconds = tick_seconds
        self.after_commit = after_commit
        self.on_tick = on_tick
        self.busy_ms = busy_ms
        self._cond = threading.Condition()
        self._pending: collections.deque[_Item] = collections.deque()
        self._seq = 0
        self._committed_seq = 0  # every event with seq <= this is committed (or dropped)
        self._processed_seq = 0  # ... and post-commit work and jobs up to here have run
        self._dropped = 0
        self._fault: str | None = None
        self._faults_logged: set[str] = set()
        self._retry_at = 0.0
        self._backoff = 0.25
        self._stop = False
        self._skip_hooks = False  # closing without indexing: commit only
        self._conn: sqlite3.Connection | None = None
        self._local = threading.local()
        self._thread = threading.Thread(target=self._run, name="codecoach-memory-writer", daemon=True)
        self._thread.start()

    # ---------------------------------------------------------------- caller side

    def submit(self, statements: Iterable[Statement]) -> int:
        """Queue statements to commit together; cheap and non-blocking. Returns the sequence number."""
        return self._enqueue(_Item(0, statements=tuple(statements)))

    def submit_job(self, job: Callable[[sqlite3.Connection], Any], *, wait: float | None = None) -> Any:
        """Run `job(conn)` on the writer thread after everything queued before it.

        With `wait`, block up to that many seconds for the result (re-raising
        the job's exception); on timeout raise TimeoutError. Without, return at once.
        """
        item = _Item(0, job=job, done=threading.Event() if wait is not None else None)
        self._enqueue(item)
        if wait is None:
            return None
        assert item.done is not None
        if not item.done.wait(wait):
            raise TimeoutError(f"memory writer did not finish the job within {wait}s ({self.health})")
        if item.error is not None:
            raise item.error
        return item.result

    def _enqueue(self, item: _Item) -> int:
        with self._cond:
            if self._stop:
                log.debug("event log closed; dropping a write")
                return self._seq
            self._seq += 1
            item.seq = self._seq
            self._pending.append(item)
            if len(self._pending) > self.max_pending:
                # Bounded memory while the store is faulted: drop the oldest event (never a job).
                for i, old in enumerate(self._pending):
                    if old.job is None:
                        del self._pending[i]
                        self._dropped += 1
                        break
                if self._dropped in (1, 1000) or self._dropped % 10_000 == 0:
                    log.warning("memory store unavailable; dropped %d queued events so far", self._dropped)
            self._cond.notify_all()
            return item.seq

    def flush(self, timeout: float = 5.0, *, index: bool = True) -> bool:
        """Wait until everything enqueued so far is committed (and, with `index`, passed on
        to the post-commit hook and jobs). Returns False on timeout (e.g. the store is faulted)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._seq
            self._cond.notify_all()
            while (self._processed_seq if index else self._committed_seq) < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._thread.is_alive():
                    return False
                self._cond.wait(remaining)
            return True

    def wake(self) -> None:
        with self._cond:
            self._retry_at = 0.0
            self._cond.notify_all()

    @property
    def health(self) -> str:
        with self._cond:
            pending = sum(1 for i in self._pending if i.job is None)
            if self._fault:
                text = f"degraded: {self._fault}; {pending} events waiting in memory"
            elif not self._thread.is_alive() and not self._stop:
                text = "failed: writer thread stopped"
            else:
                text = "ok"
            if self._dropped:
                text += f"; {self._dropped} events dropped"
            return text

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._pending)

    def read(self) -> sqlite3.Connection:
        """A connection for queries on the calling thread (one per thread, reused)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if not self.path.exists():
                raise sqlite3.OperationalError(f"no event log at {self.path}")
            conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                   timeout=self.busy_ms / 1000)
            conn.execute("PRAGMA query_only = ON")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def writes_waiting(self) -> bool:
        """Writer thread: are events (or a close) waiting? Long post-commit work yields to them."""
        with self._cond:
            return self._skip_hooks or any(item.job is None for item in self._pending)

    @property
    def closing(self) -> bool:
        return self._stop or self._skip_hooks

    def close(self, timeout: float = 5.0, *, index: bool = True) -> bool:
        """Flush what can be flushed, stop the writer. Returns False if events were left behind.

        With `index=False` only the commits are waited for: the post-commit hook (indexing)
        and queued jobs are skipped, so closing never waits for the embedding model.
        """
        if not index:
            with self._cond:
                self._skip_hooks = True
                self._cond.notify_all()
        flushed = self.flush(timeout, index=index)
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout)
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        return flushed

    # ---------------------------------------------------------------- writer side

    def _note_fault(self, error: BaseException) -> None:
        kind = type(error).__name__ + ": " + str(error).split("\n")[0]
        with self._cond:
            self._fault = kind
            self._retry_at = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, 30.0)
        if kind not in self._faults_logged:
            self._faults_logged.add(kind)
            log.warning("memory store fault (%s): keeping events in memory and retrying", kind)
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def _clear_fault(self) -> None:
        with self._cond:
            if self._fault:
                log.info("memory store recovered (%s)", self._fault)
            self._fault = None
            self._backoff = 0.25

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = connect(self.path, busy_ms=self.busy_ms)
            try:
                migrate(conn)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _run(self) -> None:
        next_tick = time.monotonic() + self.tick_seconds
        while True:
            with self._cond:
                while True:
                    now = time.monotonic()
                    if self._stop and (not self._pending or self._fault is not None):
                        return  # closing; while faulted, what is left is given up
                    if self._pending and (self._fault is None or now >= self._retry_at):
                        work = True
                        break
                    if self.on_tick is not None and now >= next_tick:
                        work = False
                        break
                    waits = []
                    if self.on_tick is not None:
                        waits.append(next_tick - now)
                    if self._fault is not None and self._pending:
                        waits.append(self._retry_at - now)
                    self._cond.wait(max(min(waits), 0.005) if waits else None)
            if not work:
                next_tick = time.monotonic() + self.tick_seconds
                if self.on_tick is not None:
                    self._safely(self.on_tick)
                continue
            # A short linger lets a burst of keystroke events share one commit.
            if self.linger and self._fault is None:
                with self._cond:
                    small = len(self._pending) < self.batch_max and self._pending[0].job is None
                if small:
                    time.sleep(self.linger)
            with self._cond:
                batch: list[_Item] = []
                for item in self._pending:
                    if item.job is not None:
                        if not batch:
                            batch.append(item)
                        break
                    batch.append(item)
                    if len(batch) >= self.batch_max:
                        break
            if not batch:
                continue
            try:
                if batch[0].job is not None and self._skip_hooks:
                    self._skip_job(batch[0])
                elif batch[0].job is not None:
                    self._run_job(batch[0])
                else:
                    self._commit(batch)
            except Exception as error:  # noqa: BLE001 - the writer must outlive any surprise
                log.exception("memory writer: unexpected error")
                self._note_fault(error)

    def _safely(self, hook: Callable[[sqlite3.Connection], None]) -> None:
        try:
            conn = self._open()
        except sqlite3.Error as error:
            self._note_fault(error)
            return
        try:
            hook(conn)
        except sqlite3.Error as error:
            self._rollback(conn)
            self._note_fault(error)
        except Exception:  # a hook's own bug must not kill the writer
            self._rollback(conn)
            log.exception("memory background hook failed")

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _skip_job(self, item: _Item) -> None:
        """Closing without background work: a queued job is given up (its waiter is told)."""
        item.error = RuntimeError("the memory is closing")
        self._finish([item], committed=True)
        if item.done is not None:
            item.done.set()

    def _run_job(self, item: _Item) -> None:
        assert item.job is not None
        item.error = None
        try:
            conn = self._open()
            try:
                item.result = item.job(conn)
            except sqlite3.OperationalError:
                self._rollback(conn)
                raise
        except sqlite3.OperationalError as error:
            # A storage fault: the job stays queued and is retried after backoff; a
            # waiter is told now rather than left hanging.
            self._note_fault(error)
            if item.done is not None and not item.done.is_set():
                item.error = error
                item.done.set()
            return
        except BaseException as error:  # noqa: BLE001 - handed back to the waiter
            self._rollback(conn)
            item.error = error
            if item.done is None:
                log.exception("memory background job failed")
        self._clear_fault()
        self._finish([item], committed=True)
        if item.done is not None:
            item.done.set()

    @staticmethod
    def _resolve(batch: list[_Item]) -> None:
        """Compute the batch's `Deferred` parameters, once (a retried batch keeps the values)."""
        for item in batch:
            if item.statements and any(isinstance(p, Deferred) for _, params in item.statements for p in params):
                item.statements = tuple((sql, tuple(map(_resolved, params))) for sql, params in item.statements)

    def _commit(self, batch: list[_Item]) -> None:
        try:
            conn = self._open()
        except sqlite3.Error as error:
            self._note_fault(error)
            return
        self._resolve(batch)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for item in batch:
                    for sql, params in item.statements or ():
                        conn.execute(sql, params)
                conn.execute("COMMIT")
            except BaseException:
                self._rollback(conn)
                raise
        except sqlite3.OperationalError as error:  # locked, read-only, disk full, I/O
            self._note_fault(error)
            return
        except sqlite3.Error as error:
            # A bad statement (a bug) must not wedge the queue: commit the good ones.
            log.error("memory: a batch failed (%s); committing events one by one", error)
            self._commit_one_by_one(batch)
            return
        self._clear_fault()
        self._finish(batch, committed=True)
        if self.after_commit is not None and not self._skip_hooks:
            self._safely(self.after_commit)
        with self._cond:
            self._processed_seq = max(self._processed_seq, batch[-1].seq)
            self._cond.notify_all()

    def _commit_one_by_one(self, batch: list[_Item]) -> None:
        try:
            conn = self._open()
        except sqlite3.Error as error:
            self._note_fault(error)
            return
        for item in batch:
            try:
                conn.execute("BEGIN IMMEDIATE")
                for sql, params in item.statements or ():
                    conn.execute(sql, params)
                conn.execute("COMMIT")
            except sqlite3.OperationalError as error:
                self._rollback(conn)
                self._note_fault(error)
                return
            except sqlite3.Error as error:
                self._rollback(conn)
                log.error("memory: dropping an event that cannot be stored: %s", error)
            self._finish([item], committed=True)
        with self._cond:
            self._processed_seq = max(self._processed_seq, batch[-1].seq)
            self._cond.notify_all()

    def _finish(self, items: list[_Item], *, committed: bool) -> None:
        last = items[-1].seq
        with self._cond:
            while self._pending and self._pending[0].seq <= last:
                self._pending.popleft()
            self._committed_seq = max(self._committed_seq, last)
            if items[-1].job is not None:
                self._processed_seq = max(self._processed_seq, last)
            self._cond.notify_all()
