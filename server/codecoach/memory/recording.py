"""The write side: sessions and the events recorded into them.

Every `record_*` only builds SQL statements and hands them to the event log's
queue (a few dict and deque operations, never I/O, never a model call), so the
typing path is never blocked; the log's writer thread commits them. Recording
never raises: a bug or a fault is logged and the event is given up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..analysis.findings import Finding
from .schema import new_id
from .store import EventLog, Statement

log = logging.getLogger(__name__)

REGION_MAX_LINES = 20
REGION_MAX_BYTES = 2048


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


class Sessions:
    """The current session: started by the first event, ended after `idle_seconds` without one."""

    def __init__(self, log_: EventLog, idle_seconds: float) -> None:
        self.log = log_
        self.idle_seconds = idle_seconds
        self.lock = threading.RLock()
        self._id: str | None = None
        self._last: float = 0.0

    @property
    def current(self) -> str | None:
        return self._id

    def start(self, ts: float) -> str:
        """Start a new session at `ts` (ending the current one); returns its id."""
        with self.lock:
            self._end_current("restart")
            return self._new(ts)

    def end(self, closed_by: str) -> None:
        with self.lock:
            self._end_current(closed_by)

    def end_if_idle(self, now: float) -> None:
        with self.lock:
            if self._id is not None and now - self._last >= self.idle_seconds:
                self._end_current("idle")

    def touch(self, ts: float) -> str:
        """The session an event at `ts` belongs to (a new one after an idle gap)."""
        with self.lock:
            if self._id is not None and ts - self._last > self.idle_seconds:
                self._end_current("idle")
            if self._id is None:
                return self._new(ts)
            self._last = max(self._last, ts)
            return self._id

    def event(self, ts: float, sid: str, statements: list[Statement]) -> None:
        """Queue one event's statements with the session's last-activity update."""
        statements.append(
            ("UPDATE sessions SET last_activity = max(last_activity, ?) WHERE id = ?", (ts, sid))
        )
        self.log.submit(statements)

    def forget(self) -> None:
        """Everything was deleted: the next event starts a new session."""
        with self.lock:
            self._id = None

    def _new(self, ts: float) -> str:
        sid = new_id(ts)
        self._id, self._last = sid, ts
        self.log.submit(
            [("INSERT OR IGNORE INTO sessions (id, started, last_activity) VALUES (?, ?, ?)", (sid, ts, ts))]
        )
        return sid

    def _end_current(self, closed_by: str) -> None:
        if self._id is None:
            return
        self.log.submit(
            [
                (
                    "UPDATE sessions SET ended = max(last_activity, ?), closed_by = ? WHERE id = ? AND ended IS NULL",
                    (self._last, closed_by, self._id),
                )
            ]
        )
        self._id = None


@dataclass
class _Shown:
    event_id: str
    line: int


class Recorder:
    """Turns what the learner sees and does into events: findings shown and fixed,
    explanations read, concepts used, feedback."""

    def __init__(self, log_: EventLog, sessions: Sessions, clock: Callable[[], float]) -> None:
        self.log = log_
        self.sessions = sessions
        self.clock = clock
        self._lock = threading.RLock()
        self._shown: dict[str, dict[tuple[str, str, str], _Shown]] = {}
        self._concept_state: dict[str, tuple] = {}

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
                sid = sid or self.sessions.touch(ts)
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
                self.sessions.event(ts, sid, statements)
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
                    sid = self.sessions.touch(ts)
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
                    self.sessions.event(ts, sid, statements)
                    ids.append(eid)
            return ids
        except Exception:  # noqa: BLE001
            log.exception("memory: record_fixed failed")
            return []

    def record_hover(self, file: str, finding: Finding, *, kind: str = "hover", at: float | None = None) -> str | None:
        """An explanation was read (kind 'hover', or 'explain' for Explain Selection)."""
        try:
            ts = self.clock() if at is None else at
            sid = self.sessions.touch(ts)
            eid = new_id(ts)
            self.sessions.event(ts, sid, [(
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
                sid = self.sessions.touch(ts)
                statements: list[Statement] = [
                    ("INSERT OR IGNORE INTO concept_uses (id, ts, session_id, file, concept, count, clean)"
                     " VALUES (?,?,?,?,?,?,?)", (new_id(ts), ts, sid, file, c, n, int(ok)))
                    for c, n, ok in rows
                ]
                self.sessions.event(ts, sid, statements)
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
            sid = self.sessions.touch(ts)
            eid = new_id(ts)
            self.sessions.event(ts, sid, [(
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

    def forget_all(self) -> None:
        """Everything was deleted: no open occurrence, no remembered observation, no session."""
        with self._lock:
            self._shown.clear()
            self._concept_state.clear()
        self.sessions.forget()

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
