"""Admin: preparing the log at open, rebuilding the index, forgetting, and health.

`reindex` and `forget` are blocking jobs on the writer thread, so they run in
order with the writes queued before them. Forgetting deletes from the log and
the index together and leaves nothing of what it deleted in their files: the log
is compacted (secure_delete, VACUUM, an emptied WAL) and the embedded index's
files are rewritten (`ChromaIndex.erase`, `forget_before`). When the index
cannot be reached it is marked dirty and erased at the next open (`prepare`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .index import KINDS, STRUGGLES, ChromaIndex
from .indexing import INDEX_CATCH_UP_DELAY, Indexer, mark_all_unindexed
from .mastery import PREREQUISITES
from .queries import to_ts
from .schema import EVENT_TABLES, STATE_TABLES
from .store import EventLog, compact

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Forgotten:
    """What forgetting removed from one store, for the learner to read (one line per store)."""

    store: str  # "event log", "index", "cloud cache", ...
    where: str  # its file, folder or server
    removed: dict[str, int]  # what was deleted, by kind (rows per table, segment folders, ...)
    kept: dict[str, int] = field(default_factory=dict)  # what stays on purpose, by kind
    note: str = ""  # how it was erased, or what could not be done

    def to_json(self) -> dict[str, Any]:
        return {"store": self.store, "where": self.where, "removed": dict(self.removed),
                "kept": dict(self.kept), "note": self.note}


class Admin:
    def __init__(self, log_: EventLog, index: ChromaIndex, indexer: Indexer, db_path: Path, *,
                 load_live_state: Callable[[sqlite3.Connection], None],
                 forget_live_state: Callable[[], None], clear_retrievals: Callable[[], None]) -> None:
        self.log = log_
        self.index = index
        self.indexer = indexer
        self.db_path = db_path
        # What the recorder keeps in memory (the session, open occurrences) is loaded from
        # the log at open and must follow a forget; retrievals cached before a reindex or
        # forget may cite deleted rows.
        self._load_live_state = load_live_state
        self._forget_live_state = forget_live_state
        self._clear_retrievals = clear_retrievals

    def prepare(self, conn: sqlite3.Connection) -> None:
        """Writer thread, at open: the concept graph, the index's bookkeeping, and what the
        recorder continues (open occurrences, last observations). (The log's files are made
        private when it is opened: `store.connect`.)"""
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
            mark_all_unindexed(conn)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index.target', ?)", (marker,))
            if dirty is not None:
                self._set_dirty(conn, False)
        conn.execute("COMMIT")
        if dirty is not None:
            try:
                self.index.erase()
            except Exception as error:  # noqa: BLE001
                log.warning("memory: could not clear the index (%s); will retry", error)
                self._set_dirty(conn, True)
        self._load_live_state(conn)
        # Catch up on rows not yet indexed (a crash, a new embedder) a little later: importing
        # chromadb and loading the model must not compete with the server's first diagnostics.
        timer = threading.Timer(INDEX_CATCH_UP_DELAY, lambda: self.log.submit_job(self.indexer.catch_up))
        timer.daemon = True
        timer.start()

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
            return self.indexer.rebuild(conn)

        result = self.log.submit_job(job, wait=timeout)
        self._clear_retrievals()
        return result

    def forget(self, *, all: bool = False, before: Any = None, timeout: float = 120.0) -> list[Forgotten]:
        """Delete events (all, or older than `before`) from the log AND the index. Blocking.

        Nothing deleted stays in the files: deleted rows are overwritten (secure_delete),
        the log is compacted and its WAL emptied, and the embedded index is erased (all) or
        rewritten with only what is kept (before). A server index loses this learner's
        database (all) or records (before). If the index cannot be reached, the log is still
        cleared and the index is erased at the next start (it is marked dirty).
        Returns what went from each store: the log (rows per table) and the index.
        """
        if all == (before is not None):
            raise ValueError("forget needs exactly one of all=True or before=DATE")
        cutoff = None if all else to_ts(before)

        def job(conn: sqlite3.Connection) -> list[Forgotten]:
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
            # The live state names files and messages too: what was forgotten starts over.
            for table, col in STATE_TABLES.items():
                if cutoff is None:
                    conn.execute(f"DELETE FROM {table}")
                else:
                    conn.execute(f"DELETE FROM {table} WHERE {col} < ?", (cutoff,))
            conn.execute("COMMIT")
            if cutoff is not None:
                self._load_live_state(conn)
            index = self._forget_in_index(conn, cutoff)
            # Last, so that the index's bookkeeping written above is compacted too.
            problem = compact(conn)
            event_log = Forgotten("event log", str(self.db_path), deleted,
                                  note=problem or "deleted rows overwritten, file compacted, WAL emptied")
            return [event_log, index]

        if cutoff is None:
            self._forget_live_state()  # before the job: what is recorded from now on starts afresh
        result = self.log.submit_job(job, wait=timeout)
        self._clear_retrievals()
        return result

    def _forget_in_index(self, conn: sqlite3.Connection, cutoff: float | None) -> Forgotten:
        """Writer thread: the index's part of a forget; never raises (the log is already cleared)."""
        where = self.index.target.describe()
        local = not self.index.target.host
        # Until the index is known to be clean, the next open erases and rebuilds it from the log.
        self._set_dirty(conn, True)
        try:
            if cutoff is None:
                try:
                    records = {"records": self.index.record_count()}
                except Exception:  # noqa: BLE001 - an unreadable index is erased all the same
                    records = {}
                removed = records | self.index.erase()
                note = ("the index's files were deleted; a new index starts empty" if local else
                        "this learner's collections were deleted from the server; the other learners' are untouched")
                kept: dict[str, int] = {}
            else:
                counts = self.index.forget_before(cutoff)
                removed = {"records": counts["records removed"]}
                kept = {"records": counts["records kept"]}
                note = ("the kept records were written to new files; the old ones were deleted" if local else
                        "deleted from this learner's database on the server")
            self._set_dirty(conn, False)
            return Forgotten("index", where, removed, kept, note)
        except Exception as error:  # noqa: BLE001
            if local:
                try:  # the log is the truth: an index that cannot be rewritten is erased and rebuilt from it
                    self.index.erase()
                    conn.execute("BEGIN IMMEDIATE")
                    mark_all_unindexed(conn)
                    conn.execute("COMMIT")
                    self._set_dirty(conn, False)
                    log.warning("memory: the index could not be rewritten (%s); erased, rebuilt from the log", error)
                    return Forgotten("index", where, {}, note=f"could not be rewritten ({error}); its files were "
                                     "deleted and it is rebuilt from the event log")
                except Exception as second:  # noqa: BLE001
                    error = second
            log.warning("memory: could not delete from the index (%s); it is erased at next start", error)
            return Forgotten("index", where, {}, note=f"not reachable ({error}); it is erased at the next start")

    @staticmethod
    def _set_dirty(conn: sqlite3.Connection, dirty: bool) -> None:
        if dirty:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index.dirty', '1')")
        else:
            conn.execute("DELETE FROM meta WHERE key = 'index.dirty'")

    def health(self) -> str:
        """'ok', or what is wrong ("degraded: ..."), for a status bar or a log line."""
        text = self.log.health
        if self.indexer.fault:
            index_text = f"index unavailable: {self.indexer.fault}"
            text = index_text if text == "ok" else f"{text}; {index_text}"
            if not text.startswith(("degraded", "failed")):
                text = "degraded: " + text
        return text
