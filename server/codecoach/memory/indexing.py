"""Indexing: embed the log's struggles and summaries into Chroma, on the writer thread.

The index is a view of the log and can always be rebuilt from it: every `shown`
and `summaries` row carries an `indexed` flag, set once its vector is in Chroma.
After each commit the writer indexes what is not indexed yet, in small batches
that give way to waiting writes (embedding is slow; a commit, or an editor
closing, must not wait behind it). An unreachable index is not an error: rows
stay unindexed and are retried with backoff.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence

from .embeddings import Embedder
from .index import STRUGGLES, SUMMARIES, ChromaIndex
from .store import EventLog

log = logging.getLogger(__name__)

INDEX_BATCH = 64  # ~0.6 s of embedding: the longest a commit can wait behind an index pass
INDEX_ROWS_PER_PASS = 1024  # per post-commit pass; the rest continues as a queued job
INDEX_CATCH_UP_DELAY = 3.0  # seconds after open

# Which log table each collection is built from.
SOURCES = ((STRUGGLES, "shown"), (SUMMARIES, "summaries"))


def struggle_text(rule: str, message: str, region: str) -> str:
    """What a struggle is embedded as: the mistake in words, then the code it was on."""
    return f"{rule}: {message}\n{region}".strip()


def mark_all_unindexed(conn: sqlite3.Connection) -> None:
    """Inside the caller's transaction: every row has to be indexed again (new target, rebuild)."""
    for _kind, table in SOURCES:
        conn.execute(f"UPDATE {table} SET indexed = 0")


class Indexer:
    """Moves unindexed log rows into the Chroma index; remembers whether the index is reachable."""

    def __init__(self, log_: EventLog, index: ChromaIndex, embedder: Embedder,
                 on_indexed: Callable[[], None]) -> None:
        self.log = log_
        self.index = index
        self.embedder = embedder
        self._on_indexed = on_indexed  # new rows are searchable: cached retrievals may be incomplete
        self.fault: str | None = None
        self._retry_at = 0.0
        self._backoff = 1.0
        self.more_queued = False

    def index_pending(self, conn: sqlite3.Connection) -> None:
        """Post-commit hook: embed and index rows not yet in Chroma. Fails soft, retried later."""
        now = time.monotonic()
        if self.fault and now < self._retry_at:
            return
        done = 0
        yielded = False
        for kind, table in SOURCES:
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
                    self.index_rows(kind, rows)
                except Exception as error:  # noqa: BLE001 - the index is optional, the log is not
                    self._note_fault(error)
                    return
                self._mark_indexed(conn, table, rows)
                done += len(rows)
        if done:
            self._on_indexed()
        if self.fault:
            log.info("memory index recovered (%s)", self.fault)
        self.fault, self._backoff = None, 1.0
        if (yielded or done >= INDEX_ROWS_PER_PASS) and not self.more_queued and not self.log.closing:
            # A backlog (first start, new embedder): continue after the events queued meanwhile.
            self.more_queued = True
            self.log.submit_job(self.catch_up)

    def catch_up(self, conn: sqlite3.Connection) -> None:
        """A queued job: index what the last pass left (or what a crash or new embedder left)."""
        self.more_queued = False
        self.index_pending(conn)

    def rebuild(self, conn: sqlite3.Connection) -> dict[str, int]:
        """Writer thread: index every row of the log again (the collections were dropped). Raises."""
        conn.execute("BEGIN IMMEDIATE")
        mark_all_unindexed(conn)
        conn.execute("COMMIT")
        counts = {}
        for kind, table in SOURCES:
            n = 0
            while True:
                rows = conn.execute(
                    f"SELECT * FROM {table} WHERE indexed = 0 ORDER BY ts LIMIT {INDEX_BATCH}").fetchall()
                if not rows:
                    break
                self.index_rows(kind, rows)
                self._mark_indexed(conn, table, rows)
                n += len(rows)
            counts[kind] = n
        self.fault = None
        return counts

    def index_rows(self, kind: str, rows: Sequence[sqlite3.Row]) -> None:
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

    @staticmethod
    def _mark_indexed(conn: sqlite3.Connection, table: str, rows: Sequence[sqlite3.Row]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"UPDATE {table} SET indexed = 1 WHERE id = ?", [(r["id"],) for r in rows])
        conn.execute("COMMIT")

    def _note_fault(self, error: BaseException) -> None:
        text = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        if text != self.fault:
            log.warning("memory index unavailable (%s); the event log keeps everything, will retry", text)
        self.fault = text
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, 300.0)
