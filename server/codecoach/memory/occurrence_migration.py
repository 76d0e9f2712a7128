"""Schema 1 -> 2: occurrences become identities, and old logs stop double counting.

Before version 2 the recorder knew which mistakes were on screen only inside
one process: every new server (reopening the editor, turning cloud on), every
reopened file and every `analyze --remember` recorded the unfixed mistakes
again, and the concepts of an unchanged file again. This migration

1. adds the tables the recorder now keeps between processes
   (`open_occurrences`, `file_concepts`), `shown.code_hash` and
   `sessions.events`;
2. collapses repeated "shown" rows of one open occurrence into the first: a
   later row with the same identity (file, rule, fingerprint of its line,
   message) and no fix of that mistake in the file since the kept row is a
   repeat. Its concept links go, a fix that pointed at it points at the kept
   row, and the index is rebuilt (marked dirty) when a deleted row was in it;
3. drops a concept observation of a file identical to that file's previous
   one (within a process such a repeat was never recorded, so it came from a
   restart or a reopened file);
4. keeps, per identity, the last occurrence that no fix followed as open, and
   each file's last concept observation, so the first new process continues
   them instead of recording them again;
5. counts each session's events, so a session in which nothing new happened
   is not counted as one (`sessions.events = 0`).

What cannot be known from an old log: a mistake that went away without a fix
and came back. Such a return is collapsed into the first occurrence.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections import defaultdict

from ..analysis.fingerprint import line_fingerprint

REGION_CONTEXT = 2  # the lines recording kept above a finding in `shown.region` (region_text's default)

SCHEMA = (
    "ALTER TABLE shown ADD COLUMN code_hash TEXT",  # fingerprint of the finding's first line
    "ALTER TABLE sessions ADD COLUMN events INTEGER NOT NULL DEFAULT 0",  # events recorded in it
    # The occurrences still on screen, per file: an occurrence is its identity, and this is
    # how a new process knows a mistake it sees is not new.
    """CREATE TABLE open_occurrences (
        file TEXT NOT NULL,
        rule TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        message TEXT NOT NULL,
        copy INTEGER NOT NULL,           -- identical mistakes on identical lines, in file order
        shown_id TEXT NOT NULL,          -- the "shown" event that opened it
        line INTEGER NOT NULL,           -- 0-based, when it was recorded
        since REAL NOT NULL,
        PRIMARY KEY (file, rule, code_hash, message, copy)
    )""",
    # Each file's last recorded concept observation: an unchanged file is not practice again.
    """CREATE TABLE file_concepts (
        file TEXT PRIMARY KEY,
        observation TEXT NOT NULL,       -- JSON [[concept, count, clean], ...], sorted
        ts REAL NOT NULL
    )""",
)


def occurrence_identity(conn: sqlite3.Connection) -> None:
    """The 1 -> 2 migration (runs inside the migration's transaction)."""
    for statement in SCHEMA:
        conn.execute(statement)
    _collapse_repeated_shown(conn)
    _collapse_repeated_observations(conn)
    _count_session_events(conn)


def region_line(region: str, line: int) -> str:
    """The finding's own line inside the stored region (the region starts REGION_CONTEXT above it)."""
    lines = region.split("\n")
    index = line - max(0, line - REGION_CONTEXT)
    return lines[index] if 0 <= index < len(lines) else ""


def _collapse_repeated_shown(conn: sqlite3.Connection) -> None:
    rows = conn.execute(
        "SELECT id, ts, file, rule, message, line, region, indexed FROM shown ORDER BY ts, id").fetchall()
    fixes_at: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for fix in conn.execute("SELECT ts, file, rule, message FROM fixes ORDER BY ts"):
        fixes_at[(fix[1], fix[2], fix[3])].append(float(fix[0]))

    def fixed_between(mistake: tuple[str, str, str], start: float, end: float) -> bool:
        times = fixes_at.get(mistake, [])
        i = bisect.bisect_left(times, start)
        return i < len(times) and times[i] <= end

    kept: dict[tuple[str, str, str, str], sqlite3.Row] = {}  # identity -> the row its run keeps
    last_line: dict[tuple[str, str, str, str], int] = {}
    hashes, repeats, index_stale = [], {}, False
    for row in rows:
        code_hash = line_fingerprint(region_line(row[6], int(row[5])))
        hashes.append((code_hash, row[0]))
        file, rule, message = row[2], row[3], row[4]
        identity = (file, rule, code_hash, message)
        first = kept.get(identity)
        if first is not None and not fixed_between((file, rule, message), float(first[1]), float(row[1])):
            repeats[row[0]] = first[0]
            index_stale = index_stale or bool(row[7])
        else:
            kept[identity] = row
        last_line[identity] = int(row[5])
    conn.executemany("UPDATE shown SET code_hash = ? WHERE id = ?", hashes)
    conn.executemany("UPDATE fixes SET shown_id = ? WHERE shown_id = ?",
                     [(first, repeat) for repeat, first in repeats.items()])
    conn.executemany("DELETE FROM event_concepts WHERE event_id = ?", [(r,) for r in repeats])
    conn.executemany("DELETE FROM shown WHERE id = ?", [(r,) for r in repeats])
    if index_stale:  # deleted rows must leave Chroma too: rebuild it from the log at the next open
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index.dirty', '1')")
    opened = []
    for identity, row in kept.items():
        file, rule, code_hash, message = identity
        if not fixed_between((file, rule, message), float(row[1]), float("inf")):
            opened.append((file, rule, code_hash, message, 0, row[0], last_line[identity], float(row[1])))
    conn.executemany(
        "INSERT OR IGNORE INTO open_occurrences (file, rule, code_hash, message, copy, shown_id, line, since)"
        " VALUES (?,?,?,?,?,?,?,?)", opened)


def _collapse_repeated_observations(conn: sqlite3.Connection) -> None:
    observations: dict[tuple[str, float], list[tuple[str, str, int, bool]]] = defaultdict(list)
    for row in conn.execute("SELECT id, file, ts, concept, count, clean FROM concept_uses ORDER BY ts, id"):
        observations[(row[1], float(row[2]))].append((row[0], row[3], int(row[4]), bool(row[5])))
    previous: dict[str, tuple[list[tuple[str, int, bool]], float]] = {}
    repeats = []
    for (file, ts), rows in observations.items():  # in time order (dicts keep insertion order)
        seen = sorted((concept, count, clean) for _id, concept, count, clean in rows)
        if file in previous and previous[file][0] == seen:
            repeats += [(row_id,) for row_id, *_ in rows]
        else:
            previous[file] = (seen, ts)
    conn.executemany("DELETE FROM concept_uses WHERE id = ?", repeats)
    conn.executemany(
        "INSERT OR REPLACE INTO file_concepts (file, observation, ts) VALUES (?, ?, ?)",
        [(file, json.dumps([list(r) for r in seen]), ts) for file, (seen, ts) in previous.items()])


def _count_session_events(conn: sqlite3.Connection) -> None:
    # One event per row, except concept uses: one observation (one ts) is one event.
    conn.execute(
        "CREATE TEMP TABLE session_events AS SELECT session_id, count(*) AS n FROM ("
        " SELECT session_id FROM shown UNION ALL SELECT session_id FROM fixes"
        " UNION ALL SELECT session_id FROM hovers UNION ALL SELECT session_id FROM feedback"
        " UNION ALL SELECT session_id FROM concept_uses GROUP BY session_id, file, ts"
        ") WHERE session_id IS NOT NULL GROUP BY session_id")
    conn.execute(
        "UPDATE sessions SET events = coalesce((SELECT n FROM temp.session_events e WHERE e.session_id = sessions.id), 0)")
    conn.execute("DROP TABLE temp.session_events")
