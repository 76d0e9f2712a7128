"""Session consolidation: close idle sessions, digest them and write their summaries.

`Consolidator` finds the sessions to close and digest on the memory writer
thread and writes each summary from the helper thread (the text may come from
a remote model, which must not hold up the writer). The digest is plain data;
the text is a template offline, or whatever an injected
`summarize(digest) -> str` returns (e.g. Gemini, wired by the providers
layer). A failing summarizer falls back to the template: a session is never
left unsummarized because the network is.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..analysis.concepts import label
from .schema import new_id
from .store import EventLog

if TYPE_CHECKING:
    from .recording import Sessions
    from .retrieval import BackgroundWorker

log = logging.getLogger(__name__)


@dataclass
class SessionDigest:
    session_id: str
    started: float
    ended: float
    files: list[str] = field(default_factory=list)
    findings: int = 0
    fixes: int = 0
    hovers: int = 0
    rules: dict[str, int] = field(default_factory=dict)          # rule -> findings
    messages: dict[str, str] = field(default_factory=dict)       # rule -> one message
    struggle_concepts: dict[str, int] = field(default_factory=dict)
    fixed_concepts: dict[str, int] = field(default_factory=dict)
    concepts_used: dict[str, int] = field(default_factory=dict)  # concept -> observations
    helpful: int = 0
    unhelpful: int = 0

    @property
    def minutes(self) -> float:
        return max(0.0, (self.ended - self.started) / 60.0)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


Summarizer = Callable[[SessionDigest], str]


def digest_session(conn: sqlite3.Connection, session_id: str, started: float, ended: float) -> SessionDigest:
    d = SessionDigest(session_id, started, ended)
    files: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    struggle: Counter[str] = Counter()
    fixed: Counter[str] = Counter()
    for row in conn.execute("SELECT file, rule, concepts, message FROM shown WHERE session_id = ?", (session_id,)):
        d.findings += 1
        files[row["file"]] += 1
        rules[row["rule"]] += 1
        d.messages.setdefault(row["rule"], row["message"])
        struggle.update(row["concepts"].split())
    for row in conn.execute("SELECT file, concepts FROM fixes WHERE session_id = ?", (session_id,)):
        d.fixes += 1
        files[row["file"]] += 0
        fixed.update(row["concepts"].split())
    (d.hovers,) = conn.execute("SELECT count(*) FROM hovers WHERE session_id = ?", (session_id,)).fetchone()
    used: Counter[str] = Counter()
    for row in conn.execute("SELECT file, concept FROM concept_uses WHERE session_id = ?", (session_id,)):
        used[row["concept"]] += 1
        files[row["file"]] += 0
    for row in conn.execute("SELECT helpful, count(*) AS n FROM feedback WHERE session_id = ? GROUP BY helpful", (session_id,)):
        if row["helpful"]:
            d.helpful = row["n"]
        else:
            d.unhelpful = row["n"]
    d.files = [f for f, _ in files.most_common()]
    d.rules = dict(rules.most_common())
    d.struggle_concepts = dict(struggle.most_common())
    d.fixed_concepts = dict(fixed.most_common())
    d.concepts_used = dict(used.most_common())
    return d


def _names(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def template_summary(d: SessionDigest) -> str:
    """A short, factual paragraph from the digest (the offline summary)."""
    when = datetime.fromtimestamp(d.started).strftime("%a %d %b %Y, %H:%M")
    files = [os.path.basename(f.rstrip("/")) or f for f in d.files[:3]]
    parts = [f"Session on {when}, about {max(1, round(d.minutes))} min"]
    if files:
        more = f" and {len(d.files) - 3} more" if len(d.files) > 3 else ""
        parts[0] += f" in {_names(files)}{more}"
    parts[0] += "."
    if d.findings:
        top = ", ".join(f"{rule} ({n}x: {d.messages.get(rule, '')})" for rule, n in list(d.rules.items())[:3])
        parts.append(f"{d.findings} {'mistake' if d.findings == 1 else 'mistakes'} shown, {d.fixes} fixed. "
                     f"Most frequent: {top}.")
    elif d.fixes:
        parts.append(f"{d.fixes} earlier {'mistake' if d.fixes == 1 else 'mistakes'} fixed.")
    else:
        parts.append("No mistakes shown.")
    if d.struggle_concepts:
        parts.append("Struggled with " + _names([label(c) for c in list(d.struggle_concepts)[:3]]) + ".")
    practiced = [c for c in d.concepts_used if c not in d.struggle_concepts][:5]
    if practiced:
        parts.append("Practised " + _names([label(c) for c in practiced]) + ".")
    if d.hovers:
        parts.append(f"Read {d.hovers} explanation{'s' if d.hovers != 1 else ''}.")
    return " ".join(parts)


def summarize(d: SessionDigest, summarizer: Summarizer | None) -> tuple[str, str]:
    """(text, source): the injected summarizer's text, else the template."""
    if summarizer is not None:
        try:
            text = summarizer(d)
            if isinstance(text, str) and text.strip():
                return text.strip(), "llm"
        except Exception as error:  # noqa: BLE001 - the template is always there
            log.warning("session summarizer failed (%s); using the template", error)
    return template_summary(d), "template"


class Consolidator:
    """Closes sessions idle for `sessions.idle_seconds` and summarizes every closed one once."""

    def __init__(self, log_: EventLog, sessions: Sessions, worker: BackgroundWorker,
                 summarizer: Summarizer | None, clock: Callable[[], float]) -> None:
        self.log = log_
        self.sessions = sessions
        self.worker = worker
        self.summarizer = summarizer
        self.clock = clock
        self._summarizing: set[str] = set()  # writer thread only

    def close_idle_sessions(self, now: float | None = None) -> None:
        """Close sessions idle as of `now` and summarize them, in the background (returns at once)."""
        now = self.clock() if now is None else now
        self.sessions.end_if_idle(now)
        self.log.submit_job(lambda conn: self.close_idle_job(conn, now))

    def close_idle_job(self, conn: sqlite3.Connection, now: float) -> None:
        """Writer thread: mark idle sessions ended (also ones a crashed process left open), then
        hand each closed, unsummarized session with something in it to the helper thread."""
        live = self.sessions.current
        cutoff = now - self.sessions.idle_seconds
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
            digest = digest_session(conn, sid, row["started"], row["ended"])
            if not (digest.findings or digest.fixes or digest.hovers or digest.concepts_used):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("UPDATE sessions SET summarized = 1 WHERE id = ?", (sid,))
                conn.execute("COMMIT")
                continue
            self._summarizing.add(sid)
            self.worker.submit("summary:" + sid, lambda d=digest: self._write_summary(d))

    def _write_summary(self, digest: SessionDigest) -> None:
        """Helper thread: make the text (maybe an LLM call), then queue the write."""
        try:
            text, source = summarize(digest, self.summarizer)
            ts = digest.ended
            self.log.submit([
                ("INSERT OR IGNORE INTO summaries (id, ts, session_id, started, ended, text, stats, source)"
                 " VALUES (?,?,?,?,?,?,?,?)",
                 (new_id(ts), ts, digest.session_id, digest.started, digest.ended, text, digest.to_json(), source)),
                ("UPDATE sessions SET summarized = 1 WHERE id = ?", (digest.session_id,)),
            ])
        finally:
            self.log.submit_job(lambda conn: self._summarizing.discard(digest.session_id))
