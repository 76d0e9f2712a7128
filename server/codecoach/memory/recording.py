"""The write side: sessions and the events recorded into them.

Every `record_*` only builds SQL statements and hands them to the event log's
queue (a few dict and deque operations, never I/O, never a model call), so the
typing path is never blocked; the log's writer thread commits them. Recording
never raises: a bug or a fault is logged and the event is given up.

The learner's code never reaches the disk unredacted: code regions and messages
(which quote code: a literal, an expression) are `Redacted` values, which the
writer thread passes through `privacy.redact` before storing them, as everything
sent to the cloud is. The index is built from the log, so it holds the same text.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..analysis.findings import Finding, Source
from ..analysis.fingerprint import NumberedKey, numbered_occurrences
from .schema import new_id
from .store import Deferred, EventLog, Statement

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


UNREDACTABLE = "<REDACTED:unavailable>"  # stored if redaction itself failed: never the raw text


def redacted(text: str) -> str:
    """`text` as the log stores it: every secret replaced by a placeholder."""
    from ..privacy import redact

    try:
        return redact(text)[0]
    except Exception:  # noqa: BLE001
        log.exception("memory: redaction failed; storing a placeholder instead of the text")
        return UNREDACTABLE


_redacted_message = functools.lru_cache(maxsize=2048)(redacted)  # the same messages come back all the time


class RedactedCode(Deferred):
    """A code region to store, redacted on the writer thread (the first call loads the rule set).

    It also keeps which secrets it found, for the messages about it: a message quotes code
    without the name that made it a secret (`PASSWD=s3cr3t` gives "`s3cr3t` is not defined"),
    so redacting the message alone would miss what redacting the region catches.
    """

    __slots__ = ("text", "_value", "_secrets")

    def __init__(self, text: str) -> None:
        self.text = text
        self._value: str | None = None
        self._secrets: list[tuple[str, str]] = []

    def resolve(self) -> str:
        if self._value is None:
            from ..privacy import redaction, secret_spans

            try:
                scanned, self._value, spans = redaction(self.text)
                if scanned != self.text:  # capped: list the secrets of the whole region
                    scanned, spans = self.text, secret_spans(self.text)
                found = {(scanned[start:end], kind) for start, end, kind in spans}
            except Exception:  # noqa: BLE001
                log.exception("memory: redaction failed; storing a placeholder instead of the text")
                self._value = self._value or UNREDACTABLE  # the region redacted, or a placeholder
                found = set()
            # Longest first, so a secret that contains another is replaced whole.
            self._secrets = sorted((pair for pair in found if len(pair[0].strip()) >= 4), key=lambda p: -len(p[0]))
        return self._value

    def hide_secrets(self, text: str) -> str:
        """`text` with every secret this region holds replaced by its placeholder."""
        self.resolve()
        for secret, kind in self._secrets:
            text = text.replace(secret, f"<REDACTED:{kind}>")
        return text


class Redacted(Deferred):
    """A message to store, redacted on the writer thread, and, when it is about a code region,
    also without any secret that region holds."""

    __slots__ = ("text", "about", "_value")

    def __init__(self, text: str, about: RedactedCode | None = None) -> None:
        self.text = text
        self.about = about
        self._value: str | None = None

    def resolve(self) -> str:
        if self._value is None:  # one row may carry it in several statements
            value = _redacted_message(self.text)
            self._value = self.about.hide_secrets(value) if self.about is not None else value
        return self._value


def stands_for(stored: str, message: str) -> bool:
    """Whether a message read back from the log (redacted) is `message` as it is shown now:
    equal, or equal once each placeholder stands for whatever it replaced."""
    if stored == message:
        return True
    if "<REDACTED:" not in stored:
        return False
    from ..secret_scan import PLACEHOLDER

    pattern = ".+?".join(re.escape(part) for part in PLACEHOLDER.split(stored))
    return re.fullmatch(pattern, message, re.DOTALL) is not None


def _stored_key(key: NumberedKey, about: RedactedCode | None = None) -> tuple:
    """An occurrence's key as SQL parameters: the message redacted, as the log keeps it."""
    rule, code_hash, message, copy = key
    return (rule, code_hash, Redacted(message, about), copy)


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
        """Queue one event's statements with the session's activity update (last time, count):
        a session in which nothing was recorded has `events = 0` and is not counted as one."""
        statements.append(
            ("UPDATE sessions SET last_activity = max(last_activity, ?), events = events + 1 WHERE id = ?",
             (ts, sid))
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


@dataclass(frozen=True)
class _Open:
    """An occurrence still on screen: the event that opened it, and where it is now."""

    event_id: str
    line: int


_OPEN_SQL = ("INSERT OR IGNORE INTO open_occurrences (file, rule, code_hash, message, copy, shown_id, line, since)"
             " VALUES (?,?,?,?,?,?,?,?)")
# By the event that opened it (its stored message may be redacted in the light of its region,
# which a later close does not have), or by its identity (another process may have opened it).
_CLOSE_SQL = ("DELETE FROM open_occurrences WHERE file = ? AND (shown_id = ? OR (rule = ? AND code_hash = ?"
              " AND message = ? AND copy = ?))")
# Conditional on the log, not only on this process's view: another process on the same data
# folder (a second editor window, `analyze --remember` beside the server) may have opened it.
_SHOWN_SQL = ("INSERT OR IGNORE INTO shown (id, ts, session_id, file, rule, concepts, message, severity, line,"
              " region, source, code_hash) SELECT ?,?,?,?,?,?,?,?,?,?,?,? WHERE NOT EXISTS (SELECT 1 FROM"
              " open_occurrences WHERE file = ? AND rule = ? AND code_hash = ? AND message = ? AND copy = ?)")
_SHOWN_CONCEPT_SQL = ("INSERT OR IGNORE INTO event_concepts (event_id, kind, concept, ts) SELECT ?, 'shown', ?, ?"
                      " WHERE EXISTS (SELECT 1 FROM shown WHERE id = ?)")


class Recorder:
    """Turns what the learner sees and does into events: findings shown and fixed,
    explanations read, concepts used, feedback.

    An occurrence is an identity, not a sighting: a finding is keyed by its file, rule,
    the fingerprint of its line, its message and which copy it is
    (`analysis.fingerprint.numbered_occurrences`). It is recorded once when it appears
    and stays open while it is shown (wherever its line moves) until a fix is recorded
    or a parsing version of the file no longer has it. Open occurrences, and each file's
    last concept observation, are kept in the log too (`open_occurrences`,
    `file_concepts`) and loaded at open, so a new process, a reopened file or a second
    `analyze --remember` of unchanged code records nothing again.
    """

    def __init__(self, log_: EventLog, sessions: Sessions, clock: Callable[[], float]) -> None:
        self.log = log_
        self.sessions = sessions
        self.clock = clock
        self._lock = threading.RLock()
        self._open: dict[str, dict[NumberedKey, _Open]] = {}
        # Closed by the latest record_shown without a fix: the caller reports the fixes of
        # the same pause right after the new list (coach.settle), and they must find them.
        self._just_closed: dict[str, dict[NumberedKey, _Open]] = {}
        self._concept_state: dict[str, tuple] = {}

    def load(self, conn: sqlite3.Connection) -> None:
        """Writer thread: take the open occurrences and last observations from the log."""
        opened: dict[str, dict[NumberedKey, _Open]] = {}
        for r in conn.execute("SELECT file, rule, code_hash, message, copy, shown_id, line FROM open_occurrences"):
            opened.setdefault(r[0], {})[(r[1], r[2], r[3], int(r[4]))] = _Open(r[5], int(r[6]))
        observed = {
            r[0]: tuple((str(c), int(n), bool(ok)) for c, n, ok in json.loads(r[1]))
            for r in conn.execute("SELECT file, observation FROM file_concepts")
        }
        with self._lock:
            self._open, self._just_closed, self._concept_state = opened, {}, observed

    def record_shown(
        self, file: str, findings: Iterable[Finding], lines: Sequence[str], *, at: float | None = None
    ) -> list[str]:
        """Record the findings now published for `file` (pass the full current list).

        Only new occurrences become events: a finding still shown (same identity, even
        if its line moved or was reformatted, even in a new process) is not recorded
        again. While the file does not parse, what was open stays open. Returns the ids
        of the new events. Never blocks, never raises.
        """
        try:
            return self._record_shown(file, findings, lines, at)
        except Exception:  # noqa: BLE001
            log.exception("memory: record_shown failed")
            return []

    def _record_shown(self, file: str, findings: Iterable[Finding], lines: Sequence[str], at: float | None) -> list[str]:
        ts = self.clock() if at is None else at
        keyed = numbered_occurrences(findings, lines)
        parses = not any(f.source is Source.SYNTAX for f in keyed.values())
        new_ids: list[str] = []
        with self._lock:
            before = dict(self._open.get(file, {}))  # what is left of it at the end is gone
            now_open: dict[NumberedKey, _Open] = {}
            sid: str | None = None
            for key, f in keyed.items():
                line = f.span.start.line
                still = self._open_key(before, key)
                if still is not None:
                    now_open[key] = _Open(before.pop(still).event_id, line)
                    continue
                sid = sid or self.sessions.touch(ts)
                eid = new_id(ts)
                self.sessions.event(ts, sid, self._shown_statements(eid, ts, sid, file, key, f, lines))
                now_open[key] = _Open(eid, line)
                new_ids.append(eid)
            gone = before
            if not parses:  # a file that does not parse has not fixed (nor hidden) anything
                now_open.update(gone)
                gone = {}
            if gone:
                self.log.submit([(_CLOSE_SQL, (file, o.event_id, *_stored_key(key))) for key, o in gone.items()])
            self._open[file] = now_open
            self._just_closed[file] = gone
        return new_ids

    @staticmethod
    def _open_key(before: Mapping[NumberedKey, _Open], key: NumberedKey) -> NumberedKey | None:
        """The key under which the occurrence `key` is open: itself, or as read back from the
        log, where its message is redacted (a message that quotes a secret)."""
        if key in before:
            return key
        rule, code_hash, message, copy = key
        for stored in before:
            if stored[0] == rule and stored[1] == code_hash and stored[3] == copy and stands_for(stored[2], message):
                return stored
        return None

    @staticmethod
    def _shown_statements(eid: str, ts: float, sid: str, file: str, key: NumberedKey, f: Finding,
                          lines: Sequence[str]) -> list[Statement]:
        line = f.span.start.line
        region = RedactedCode(region_text(lines, line, f.span.end.line))
        stored = _stored_key(key, region)
        rule, code_hash, message, _copy = stored
        statements: list[Statement] = [
            (_SHOWN_SQL, (eid, ts, sid, file, rule, " ".join(f.concepts), message, int(f.severity), line, region,
                          f.source.value, code_hash, file, *stored)),
        ]
        statements += [(_SHOWN_CONCEPT_SQL, (eid, c, ts, eid)) for c in dict.fromkeys(f.concepts)]
        statements.append((_OPEN_SQL, (file, *stored, eid, line, ts)))
        return statements

    def record_fixed(self, file: str, findings: Iterable[Finding], *, at: float | None = None) -> list[str]:
        """Record findings that disappeared after an edit (the caller decides which). Never raises."""
        try:
            ts = self.clock() if at is None else at
            ids = []
            with self._lock:
                for f in findings:
                    sid = self.sessions.touch(ts)
                    eid = new_id(ts)
                    statements: list[Statement] = []
                    shown_id = None
                    match = self._take_match(file, f)
                    if match is not None:
                        key, shown_id, was_open = match
                        if was_open:
                            statements.append((_CLOSE_SQL, (file, shown_id, *_stored_key(key))))
                    statements += [
                        (
                            # The message as the occurrence it fixes stored it (redacted with its region).
                            "INSERT OR IGNORE INTO fixes (id, ts, session_id, file, rule, concepts, message, line,"
                            " shown_id) VALUES (?,?,?,?,?,?,coalesce((SELECT message FROM shown WHERE id = ?), ?),?,?)",
                            (eid, ts, sid, file, f.rule_id, " ".join(f.concepts), shown_id, Redacted(f.message),
                             f.span.start.line, shown_id),
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

    def record_hover(self, file: str, finding: Finding, *, kind: str = "hover", at: float | None = None,
                     context: str = "") -> str | None:
        """An explanation was read (kind 'hover', or 'explain' for Explain Selection). `context`, the
        code around the finding (not stored), keeps the secrets in it out of the stored message."""
        try:
            ts = self.clock() if at is None else at
            sid = self.sessions.touch(ts)
            eid = new_id(ts)
            self.sessions.event(ts, sid, [(
                "INSERT OR IGNORE INTO hovers (id, ts, session_id, file, rule, concepts, message, line, kind)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (eid, ts, sid, file, finding.rule_id, " ".join(finding.concepts),
                 Redacted(finding.message, RedactedCode(context) if context else None), finding.span.start.line, kind),
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
        identical to the previous one recorded for the same file (in this process or
        an earlier one) is skipped, so calling this on every analysis, or after a
        restart, is fine. Returns the number of rows queued.
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
                statements.append(("INSERT OR REPLACE INTO file_concepts (file, observation, ts) VALUES (?, ?, ?)",
                                   (file, json.dumps([list(r) for r in rows]), ts)))
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
                (eid, ts, sid, file, rule, int(bool(helpful)), Redacted(note[:2000])),  # it may quote code
            )])
            return eid
        except Exception:  # noqa: BLE001
            log.exception("memory: record_feedback failed")
            return None

    def forget_file_state(self, file: str) -> None:
        """Start `file` over: its open occurrences end (without a fix) and its last concept
        observation is forgotten, here and in the log, so its next findings are new
        occurrences. Closing a document does not call this: reopening an unchanged file
        continues its occurrences."""
        with self._lock:
            self._open.pop(file, None)
            self._just_closed.pop(file, None)
            self._concept_state.pop(file, None)
            self.log.submit([("DELETE FROM open_occurrences WHERE file = ?", (file,)),
                             ("DELETE FROM file_concepts WHERE file = ?", (file,))])

    def forget_all(self) -> None:
        """Everything was deleted: no open occurrence, no remembered observation, no session."""
        with self._lock:
            self._open.clear()
            self._just_closed.clear()
            self._concept_state.clear()
        self.sessions.forget()

    def occurrence_id(self, file: str, finding: Finding) -> str | None:
        """The event id under which this finding, as currently shown in `file`, was recorded."""
        with self._lock:
            found = self._nearest(self._open.get(file, {}), finding)
            return found[1].event_id if found else None

    def open_ids(self, file: str) -> set[str]:
        """The events of every occurrence still open in `file`: none of them is "before"."""
        with self._lock:
            return {o.event_id for o in self._open.get(file, {}).values()}

    def _take_match(self, file: str, finding: Finding) -> tuple[NumberedKey, str, bool] | None:
        """The occurrence a reported fix ends: (key, its event id, was it still open), removed."""
        for table, was_open in ((self._open, True), (self._just_closed, False)):
            found = self._nearest(table.get(file, {}), finding)
            if found is not None:
                key, occurrence = found
                del table[file][key]
                return key, occurrence.event_id, was_open
        return None

    @staticmethod
    def _nearest(occurrences: Mapping[NumberedKey, _Open], finding: Finding) -> tuple[NumberedKey, _Open] | None:
        """The occurrence of the finding's rule and message closest to its line."""
        same = [(abs(o.line - finding.span.start.line), key, o) for key, o in occurrences.items()
                if key[0] == finding.rule_id and stands_for(key[2], finding.message)]
        if not same:
            return None
        _, key, o = min(same, key=lambda t: (t[0], t[1]))
        return key, o
