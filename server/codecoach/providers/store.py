"""One small SQLite file for the cloud layer: day counter, cache, token usage.

It lives beside the memory's event log under the data dir (`cloud.sqlite3`),
so a restart neither resets the day's budget nor forgets what was already
asked. `CloudStore(None)` keeps everything in memory (tests, no data dir).
Safe to share between threads; several server processes may share the file
(SQLite serializes the writes).

The file is 0600 (created so before SQLite opens it; its -wal and -shm take its
mode). `forget` removes what was learnt from the learner's code (cached answers,
whose anchors are code lines) and the request history, but never the day's
request count: forgetting must not hand out a fresh quota.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FILENAME = "cloud.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS budget_day (day TEXT PRIMARY KEY, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created REAL NOT NULL,
    used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_used ON cache(used);
CREATE TABLE IF NOT EXISTS usage (
    ts REAL NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    purpose TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL
);
"""


class CloudStore:
    def __init__(self, path: str | Path | None, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path) if path else None
        self._clock = clock
        if self.path is not None:
            from ..memory.paths import private_file

            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            private_file(self.path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(self.path) if self.path else ":memory:",
            check_same_thread=False,
            isolation_level=None,  # autocommit; explicit transactions where needed
            timeout=5.0,
        )
        with self._lock:
            if self.path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA secure_delete = ON")  # evicted and forgotten answers are overwritten
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- day counter -------------------------------------------------------------
    def day_count(self, day: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT count FROM budget_day WHERE day = ?", (day,)).fetchone()
        return int(row[0]) if row else 0

    def take_day(self, day: str, limit: int) -> bool:
        """Count one call against `day` if fewer than `limit` were made; atomic across processes."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT OR IGNORE INTO budget_day(day, count) VALUES (?, 0)", (day,))
                cur = self._db.execute(
                    "UPDATE budget_day SET count = count + 1 WHERE day = ? AND count < ?", (day, limit)
                )
                self._db.execute("DELETE FROM budget_day WHERE day < ?", (day,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return cur.rowcount == 1

    def set_day_count(self, day: str, count: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO budget_day(day, count) VALUES (?, ?) "
                "ON CONFLICT(day) DO UPDATE SET count = max(count, excluded.count)",
                (day, count),
            )

    # -- small values ------------------------------------------------------------
    def get_value(self, key: str) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_value(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # -- cache -------------------------------------------------------------------
    def cache_get(self, key: str) -> Any:
        now = self._clock()
        with self._lock:
            row = self._db.execute("SELECT payload FROM cache WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE cache SET used = ? WHERE key = ?", (now, key))
        return json.loads(row[0])

    def cache_put(self, key: str, kind: str, payload: Any, max_rows: int = 20_000) -> None:
        now = self._clock()
        with self._lock:
            self._db.execute(
                "INSERT INTO cache(key, kind, payload, created, used) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET payload = excluded.payload, used = excluded.used",
                (key, kind, json.dumps(payload), now, now),
            )
            (rows,) = self._db.execute("SELECT count(*) FROM cache").fetchone()
            if rows > max_rows:
                self._db.execute(
                    "DELETE FROM cache WHERE key IN (SELECT key FROM cache ORDER BY used LIMIT ?)",
                    (rows - max_rows,),
                )

    def cache_size(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM cache").fetchone()[0])

    # -- token usage -------------------------------------------------------------
    def record_usage(self, provider: str, model: str, purpose: str, usage: dict[str, int]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    self._clock(), provider, model, purpose,
                    int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0)),
                    int(usage.get("total_tokens", 0)),
                ),
            )

    def usage_totals(self, since: float = 0.0) -> dict[str, int]:
        with self._lock:
            row = self._db.execute(
                "SELECT count(*), coalesce(sum(input_tokens),0), coalesce(sum(output_tokens),0), "
                "coalesce(sum(total_tokens),0) FROM usage WHERE ts >= ?",
                (since,),
            ).fetchone()
        return {"requests": row[0], "input_tokens": row[1], "output_tokens": row[2], "total_tokens": row[3]}

    # -- forgetting ----------------------------------------------------------------
    def forget(self, before: float | None = None) -> tuple[dict[str, int], dict[str, int], str]:
        """Delete cached answers and request records: all, or those older than `before`.

        A cached answer is "older" when it was last used before the date: one used since
        answered code the learner still had after it. The day's request count stays (and
        a provider's retry delay, and the list of models, which hold no learner text), so
        the quota cannot be reset by forgetting. Afterwards the file is compacted and its
        WAL emptied. Returns (removed by kind, kept by kind, what could not be done).
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if before is None:
                    answers = self._db.execute("DELETE FROM cache").rowcount
                    requests = self._db.execute("DELETE FROM usage").rowcount
                else:
                    answers = self._db.execute("DELETE FROM cache WHERE used < ?", (before,)).rowcount
                    requests = self._db.execute("DELETE FROM usage WHERE ts < ?", (before,)).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            today = self._db.execute("SELECT coalesce(sum(count), 0) FROM budget_day").fetchone()[0]
            problem = ""
            if self.path is not None:
                from ..memory.store import compact

                problem = compact(self._db)
        return ({"cached answers": answers, "request records": requests}, {"requests counted today": int(today)},
                problem)
