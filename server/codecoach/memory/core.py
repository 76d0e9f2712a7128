"""`Memory`: the one facade over the event log, the index, embeddings and mastery.

It composes the parts and owns their lifecycle; each part is one concern:

- `recording.Sessions`, `recording.Recorder`: the write side (sessions, events);
- `indexing.Indexer`: log rows into the Chroma index, on the writer thread;
- `retrieval.Retriever`: similar past struggles and summaries, the prefetch cache;
- `consolidate.Consolidator`: closing idle sessions and summarizing them;
- `queries.ReadModel`: counts, rows and concept mastery for the services;
- `admin.Admin`: preparing the log at open, reindex, forget, health.

Threads:
- the caller (the LSP event loop, a CLI) only enqueues: every `record_*` is
  a few dict/deque operations, never I/O, never a model call;
- the writer thread (store.EventLog) commits batches to SQLite, then indexes
  what was committed into Chroma (embedding there), and runs jobs
  (consolidation, forget, reindex) in order with the writes;
- the helper thread (`retrieval.BackgroundWorker`) computes prefetched
  "similar past struggles" and calls the (possibly slow, possibly remote)
  session summarizer, so the writer is never held up by either.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..analysis.findings import Finding
from .admin import Admin, Forgotten
from .consolidate import Consolidator, Summarizer
from .embeddings import Embedder, MiniLMEmbedder
from .index import ChromaIndex, ChromaTarget
from .indexing import Indexer, struggle_text
from .paths import CHROMA_DIRNAME, DB_FILENAME, chroma_path, ensure_private_dir
from .paths import data_dir as resolve_data_dir
from .queries import ConceptMastery, MasteryChange, ReadModel
from .recording import Recorder, Sessions, region_text
from .retrieval import BackgroundWorker, PastStruggle, Retriever, finding_key
from .store import EventLog

log = logging.getLogger(__name__)

# Importable from here as before the split (tests and older callers).
__all__ = ["ConceptMastery", "MasteryChange", "Memory", "PastStruggle", "finding_key", "region_text",
           "struggle_text"]


class Memory:
    """The coach's memory. Create with `Memory.open(...)`; all record_* calls are non-blocking."""

    def __init__(
        self,
        data_dir: Path,
        *,
        embedder: Embedder,
        chroma: ChromaTarget,
        idle_minutes: float,
        summarize: Summarizer | None,
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
        self._worker = BackgroundWorker("codecoach-memory-helper")
        # The writer's hooks reach the parts through self: they are built right below,
        # before anything can be committed.
        self.log = EventLog(
            self.db_path,
            after_commit=lambda conn: self._indexer.index_pending(conn),
            on_tick=self._tick if consolidate_every else None,
            tick_seconds=consolidate_every or 60.0,
        )
        self._sessions = Sessions(self.log, self.idle_seconds)
        self._recorder = Recorder(self.log, self._sessions, clock)
        self._retriever = Retriever(self.index, embedder, self._worker, self._recorder.open_ids,
                                    cache_size=cache_size)
        self._indexer = Indexer(self.log, self.index, embedder, on_indexed=self._retriever.clear_cache)
        self._consolidator = Consolidator(self.log, self._sessions, self._worker, summarize, clock)
        self._reads = ReadModel(self.log, clock)
        self._admin = Admin(self.log, self.index, self._indexer, self.db_path,
                            load_live_state=self._recorder.load,
                            forget_live_state=self._recorder.forget_all,
                            clear_retrievals=self._retriever.clear_cache)
        try:
            # Normally milliseconds; if the store is faulted the job stays queued and runs on recovery.
            self.log.submit_job(self._admin.prepare, wait=10.0)
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
        summarize: Summarizer | None = None,
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
        chroma = chroma or ChromaTarget.from_env(chroma_path(base))
        own_index = base / CHROMA_DIRNAME
        if chroma.path == own_index and own_index.is_dir():
            ensure_private_dir(own_index)  # the data folder's own index folder (not a CHROMA_DB_PATH)
        return cls(
            base,
            embedder=embedder or MiniLMEmbedder(),
            chroma=chroma,
            idle_minutes=idle_minutes,
            summarize=summarize,
            clock=clock,
            consolidate_every=consolidate_every,
        )

    # ------------------------------------------------------------------ lifecycle

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
            self.index.release()  # Chroma's files are closed with the memory, not at exit
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
            if self.log.pending == 0 and not self._indexer.more_queued:
                return True

    @property
    def health(self) -> str:
        """'ok', or what is wrong ("degraded: ..."), for a status bar or a log line."""
        return self._admin.health()

    def _tick(self, conn: sqlite3.Connection) -> None:
        """Writer thread, every `consolidate_every` seconds: close idle sessions, index stragglers."""
        self._consolidator.close_idle_job(conn, self.clock())
        self._indexer.index_pending(conn)

    # ------------------------------------------------------------------ sessions

    def start_session(self, at: float | None = None) -> str:
        """Start a new session now (ending the current one); returns its id."""
        return self._sessions.start(self.clock() if at is None else at)

    def end_session(self, closed_by: str = "shutdown") -> None:
        self._sessions.end(closed_by)

    @property
    def session_id(self) -> str | None:
        return self._sessions.current

    def close_idle_sessions(self, now: float | None = None) -> None:
        """Close sessions idle for `idle_minutes` as of `now` and summarize them, in the background.

        Returns at once; `flush()` waits for the summaries. The internal timer calls this
        every `consolidate_every` seconds with the injected clock.
        """
        self._consolidator.close_idle_sessions(now)

    # ------------------------------------------------------------------ recording (non-blocking; recording.py)

    def record_shown(
        self, file: str, findings: Iterable[Finding], lines: Sequence[str], *, at: float | None = None
    ) -> list[str]:
        """Record the findings now published for `file` (the full current list); new occurrences only."""
        return self._recorder.record_shown(file, findings, lines, at=at)

    def record_fixed(self, file: str, findings: Iterable[Finding], *, at: float | None = None) -> list[str]:
        """Record findings that disappeared after an edit (the caller decides which)."""
        return self._recorder.record_fixed(file, findings, at=at)

    def record_hover(self, file: str, finding: Finding, *, kind: str = "hover", at: float | None = None,
                     context: str = "") -> str | None:
        """An explanation was read (kind 'hover', or 'explain' for Explain Selection); `context` is the
        code around it (not stored: it keeps the secrets in it out of the stored message)."""
        return self._recorder.record_hover(file, finding, kind=kind, at=at, context=context)

    def record_concepts(
        self,
        file: str,
        counts: Mapping[str, int],
        clean: bool = True,
        *,
        flagged: Collection[str] = (),
        at: float | None = None,
    ) -> int:
        """Concepts the analysed file uses (slug -> count); a repeated observation is skipped."""
        return self._recorder.record_concepts(file, counts, clean, flagged=flagged, at=at)

    def record_feedback(
        self, file: str, rule: str, helpful: bool, note: str = "", *, at: float | None = None
    ) -> str | None:
        """'Was this explanation helpful?' for `rule`."""
        return self._recorder.record_feedback(file, rule, helpful, note, at=at)

    def forget_file_state(self, file: str) -> None:
        """Start `file` over: its open occurrences end and its next findings are new occurrences.

        Not for a closed document (reopening an unchanged file continues its occurrences)."""
        self._recorder.forget_file_state(file)

    def occurrence_id(self, file: str, finding: Finding) -> str | None:
        """The event id under which this finding, as currently shown in `file`, was recorded."""
        return self._recorder.occurrence_id(file, finding)

    # ------------------------------------------------------------------ retrieval (retrieval.py)

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
        """Past struggles like this finding, nearest first (blocking: embeds and queries)."""
        return self._retriever.similar_struggles(
            finding, region_text, k, file=file, max_distance=max_distance,
            same_rule_max_distance=same_rule_max_distance, exclude_ids=exclude_ids)

    def similar_to_text(
        self, text: str, k: int = 3, *, max_distance: float = 0.35, exclude_ids: Collection[str] = (),
        where: Mapping[str, Any] | None = None,
    ) -> list[PastStruggle]:
        """Past struggles near any text (a code region, a question), nearest first."""
        return self._retriever.similar_to_text(text, k, max_distance=max_distance, exclude_ids=exclude_ids,
                                               where=where)

    def similar_summaries(self, text: str, k: int = 3) -> list[tuple[str, float, float]]:
        """(summary text, session end time, distance) of past sessions near `text`."""
        return self._retriever.similar_summaries(text, k)

    def prefetch(self, finding: Finding, region_text: str, file: str, *, k: int = 3) -> None:
        """Compute `similar_struggles` in the background for a later instant `cached_similar`."""
        self._retriever.prefetch(finding, region_text, file, k=k)

    def cached_similar(self, key: str) -> list[PastStruggle] | None:
        """The prefetched result for `finding_key(finding, file)`, or None if not computed yet."""
        return self._retriever.cached_similar(key)

    def warm_up(self) -> None:
        """Load the embedding model and open the index in the background (optional)."""
        self._retriever.warm_up()

    # ------------------------------------------------------------------ queries (read side; queries.py)

    def per_day(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        """Events of `kind` per local day ('YYYY-MM-DD' -> count)."""
        return self._reads.per_day(kind, since, until)

    def per_concept(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        """Findings ('shown') or fixes ('fixed') per concept, most first."""
        return self._reads.per_concept(kind, since, until)

    def per_rule(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        return self._reads.per_rule(kind, since, until)

    def per_file(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        return self._reads.per_file(kind, since, until)

    def active_seconds_per_day(self, since: Any = None, until: Any = None) -> dict[str, float]:
        """Time spent in sessions per local day of their start (sessions split at idle gaps)."""
        return self._reads.active_seconds_per_day(since, until)

    def events(self, kind: str = "shown", since: Any = None, until: Any = None, *, limit: int = 1000,
               file: str | None = None, rule: str | None = None, concept: str | None = None) -> list[dict[str, Any]]:
        """Rows of one event table, newest first, optionally filtered."""
        return self._reads.events(kind, since, until, limit=limit, file=file, rule=rule, concept=concept)

    def sessions(self, since: Any = None, until: Any = None, *, active_only: bool = False) -> list[dict[str, Any]]:
        """Sessions started in the range; `active_only`: those in which something was recorded."""
        return self._reads.sessions(since, until, active_only=active_only)

    def summaries(self, since: Any = None, until: Any = None) -> list[dict[str, Any]]:
        return self._reads.summaries(since, until)

    def feedback_counts(self, since: Any = None, until: Any = None) -> dict[str, tuple[int, int]]:
        """rule -> (helpful, not helpful)."""
        return self._reads.feedback_counts(since, until)

    def counts(self) -> dict[str, int]:
        """Rows per table (for `codecoach` status output and tests)."""
        return self._reads.counts()

    def mastery(self, at: Any = None) -> dict[str, ConceptMastery]:
        """State of every concept with evidence up to `at` (default now). Unlisted concepts are unseen."""
        return self._reads.mastery(at)

    def mastery_changes(self, since: Any, until: Any = None) -> list[MasteryChange]:
        """Concepts whose state at `until` differs from their state at `since`, with the steps between."""
        return self._reads.mastery_changes(since, until)

    def prerequisites(self, concept: str) -> list[str]:
        return self._reads.prerequisites(concept)

    def dependents(self, concept: str) -> list[str]:
        return self._reads.dependents(concept)

    def weak_prerequisites(self, concept: str, at: Any = None) -> list[str]:
        """Prerequisites of `concept` not yet practised well (unseen, introduced, struggling)."""
        return self._reads.weak_prerequisites(concept, at)

    def struggles_for_concept(self, concept: str, since: Any = None, until: Any = None,
                              limit: int = 50) -> list[dict[str, Any]]:
        """Concept <-> struggle links: the findings shown on `concept`, newest first."""
        return self._reads.struggles_for_concept(concept, since, until, limit)

    # ------------------------------------------------------------------ admin (admin.py)

    def reindex(self, timeout: float = 600.0) -> dict[str, int]:
        """Rebuild this embedder's Chroma collections from the event log. Blocking; raises on failure."""
        return self._admin.reindex(timeout)

    def forget(self, *, all: bool = False, before: Any = None, timeout: float = 120.0) -> list[Forgotten]:
        """Delete events (all, or older than `before`) from the log AND the index, leaving nothing
        of them in their files. Blocking. Returns what went from each store."""
        return self._admin.forget(all=all, before=before, timeout=timeout)
