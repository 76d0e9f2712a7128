"""The event log's schema, versioned with PRAGMA user_version.

MIGRATIONS[i] takes a database from user_version i to i + 1: an SQL script, or
a function of the connection for a data migration SQL cannot express. Append
new migrations; never edit a released one. Each runs in one transaction
together with the version bump, so a crash mid-migration leaves the old
version intact.

Times are Unix seconds (REAL). Ids are text, made by the caller at enqueue
time (time-ordered: see `new_id`), so a caller can name an event before the
background writer has committed it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable

from .occurrence_migration import occurrence_identity

Migration = str | Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = [
    # 0 -> 1: the event log, the concept graph.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        started REAL NOT NULL,
        last_activity REAL NOT NULL,
        ended REAL,                      -- NULL while open
        closed_by TEXT,                  -- 'idle' | 'shutdown' | 'forget'
        summarized INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sessions_started ON sessions(started);

    -- A finding shown to the learner: one row per occurrence (not per republish).
    CREATE TABLE shown (
        id TEXT PRIMARY KEY,
        ts REAL NOT NULL,
        session_id TEXT,
        file TEXT NOT NULL,
        rule TEXT NOT NULL,
        concepts TEXT NOT NULL,          -- space-separated concept slugs
        message TEXT NOT NULL,
        severity INTEGER NOT NULL,
        line INTEGER NOT NULL,           -- 0-based
        region TEXT NOT NULL,            -- bounded code around the finding
        source TEXT NOT NULL,
        indexed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX shown_ts ON shown(ts);
    CREATE INDEX shown_unindexed ON shown(indexed) WHERE indexed = 0;

    -- A finding that disappeared after an edit.
    CREATE TABLE fixes (
        id TEXT PRIMARY KEY,
        ts REAL NOT NULL,
        session_id TEXT,
        file TEXT NOT NULL,
        rule TEXT NOT NULL,
        concepts TEXT NOT NULL,
        message TEXT NOT NULL,
        line INTEGER NOT NULL,
        shown_id TEXT                    -- the occurrence it fixed, when known
    );
    CREATE INDEX fixes_ts ON fixes(ts);

    -- Hovers and explanations read.
    CREATE TABLE hovers (
        id TEXT PRIMARY KEY,
        ts REAL NOT NULL,
        session_id TEXT,
        file TEXT NOT NULL,
        rule TEXT NOT NULL,
        concepts TEXT NOT NULL,
        message TEXT NOT NULL,
        line INTEGER NOT NULL,
        kind TEXT NOT NULL               -- 'hover' | 'explain'
    );
    CREATE INDEX hovers_ts ON hovers(ts);

    -- Concept observations: the analysed file used `concept` `count` times.
    CREATE TABLE concept_uses (
        id TEXT PRIMARY KEY,
        ts REAL NOT NULL,
        session_id TEXT,
        file TEXT NOT NULL,
        concept TEXT NOT NULL,
        count INTEGER NOT NULL,
        clean INTEGER NOT NULL           -- 1: no finding on this concept in the file
    );
    CREATE INDEX concept_uses_ts ON concept_uses(ts);
    CREATE INDEX concept_uses_concept ON concept_uses(concept, ts);

    CREATE TABLE summaries (
        id TEXT PRIMARY KEY,
        ts REAL NOT NULL,
        session_id TEXT,
        started REAL NOT NULL,
        ended REAL NOT NULL,
        text TEXT NOT NULL,
        stats TEXT NOT NULL,             -- JSON digest the text was made from
        source TEXT NOT NULL,            -- 'template' | 'llm'
        indexed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX summaries_ts ON summaries(ts);
    CREATE INDEX summaries_unindexed ON summaries(indexed) WHERE indexed = 0;

    -- "Was this explanation helpful?"
    CREATE TABLE feedback (
        id TEXT PRIMARY KEY,
        ts REAL NOT NULL,
        session_id TEXT,
        file TEXT NOT NULL,
        rule TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX feedback_ts ON feedback(ts);

    -- Concept graph, part 1: concept <-> struggle/fix links (one row per concept of an event).
    CREATE TABLE event_concepts (
        event_id TEXT NOT NULL,
        kind TEXT NOT NULL,              -- 'shown' | 'fixed'
        concept TEXT NOT NULL,
        ts REAL NOT NULL,
        PRIMARY KEY (event_id, concept)
    );
    CREATE INDEX event_concepts_concept ON event_concepts(concept, ts);

    -- Concept graph, part 2: edges between concept slugs (prerequisites).
    CREATE TABLE concept_edges (
        src TEXT NOT NULL,               -- the prerequisite
        dst TEXT NOT NULL,               -- the concept that builds on it
        kind TEXT NOT NULL,              -- 'prerequisite'
        PRIMARY KEY (src, dst, kind)
    );
    """,
    # 1 -> 2: an occurrence is an identity (file, rule, code fingerprint, message, copy) that
    # outlives the process: the open ones and each file's last concept observation are kept,
    # sessions count their events, and repeated "shown" rows of one open occurrence collapse.
    occurrence_identity,
]

SCHEMA_VERSION = len(MIGRATIONS)

# Tables holding timestamped events, with the time column `forget` filters on.
# (Not the live state below: `counts()` reports these.)
EVENT_TABLES: dict[str, str] = {
    "shown": "ts",
    "fixes": "ts",
    "hovers": "ts",
    "concept_uses": "ts",
    "summaries": "ts",
    "feedback": "ts",
    "event_concepts": "ts",
}

# What the recorder keeps between processes, with the time column `forget` filters on.
STATE_TABLES: dict[str, str] = {
    "open_occurrences": "since",
    "file_concepts": "ts",
}

_last_ms = 0
_counter = 0


def new_id(now: float | None = None) -> str:
    """A 24-hex-digit id that sorts by creation time (ms) and is unique in practice."""
    global _last_ms, _counter
    ms = int((time.time() if now is None else now) * 1000)
    if ms == _last_ms:
        _counter += 1
    else:
        _last_ms, _counter = ms, 0
    return f"{ms:012x}{_counter & 0xFFF:03x}{os.urandom(5).hex()[:9]}"
