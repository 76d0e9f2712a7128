"""Retrieval: past struggles and session summaries near a finding or a text.

Searching embeds the query and asks Chroma, which is too slow for a hover, so
the hover path uses a prefetch cache: `prefetch` computes the answer on the
helper thread (`BackgroundWorker`) when a mistake is published and
`cached_similar` answers instantly from the cache afterwards.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..analysis.findings import Finding
from .embeddings import Embedder
from .index import STRUGGLES, SUMMARIES, ChromaIndex
from .indexing import struggle_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PastStruggle:
    event_id: str
    file: str
    when: float
    rule: str
    concepts: tuple[str, ...]
    message: str
    line: int
    distance: float

    @property
    def concept(self) -> str:
        return self.concepts[0] if self.concepts else ""


def finding_key(finding: Finding, file: str) -> str:
    """The cache key for a finding as published in `file` (rule, position, message)."""
    return f"{file}\x1f{finding.rule_id}\x1f{finding.span.start.line}\x1f{finding.span.start.column}\x1f{finding.message}"


class BackgroundWorker:
    """One daemon thread running small background tasks; keyed tasks are deduplicated.

    The memory's helper thread: retrievals to prefetch and session summaries (which
    may call a remote model), so the writer thread is never held up by either.
    """

    def __init__(self, name: str, max_tasks: int = 256) -> None:
        self._cond = threading.Condition()
        self._tasks: collections.OrderedDict[str, Callable[[], None]] = collections.OrderedDict()
        self._busy = False
        self._stop = False
        self._max = max_tasks
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, key: str, task: Callable[[], None]) -> bool:
        with self._cond:
            if self._stop or key in self._tasks:
                return False
            self._tasks[key] = task
            while len(self._tasks) > self._max:
                self._tasks.popitem(last=False)  # the oldest request is the least useful
            self._cond.notify_all()
            return True

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._tasks or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def stop(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._stop = True
            self._tasks.clear()
            self._cond.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._tasks and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                _, task = self._tasks.popitem(last=False)
                self._busy = True
            try:
                task()
            except Exception:  # noqa: BLE001
                log.exception("memory background task failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


OpenInFile = Callable[[str], "set[str]"]


class Retriever:
    """Nearest past struggles and summaries, with the prefetch cache the hover reads."""

    def __init__(
        self,
        index: ChromaIndex,
        embedder: Embedder,
        worker: BackgroundWorker,
        open_in_file: OpenInFile,
        *,
        cache_size: int = 512,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self._worker = worker
        self._open_in_file = open_in_file
        self._lock = threading.Lock()
        self._cache: collections.OrderedDict[str, list[PastStruggle]] = collections.OrderedDict()
        self._cache_size = cache_size

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
        """Past struggles like this finding, nearest first (blocking: embeds and queries).

        With `file`, the occurrences still open in that file are excluded: "before" means
        fixed earlier (or gone) and back again, or met in another file, never "still
        there". `exclude_ids` excludes more. Results farther than `max_distance` (cosine;
        `same_rule_max_distance` for the same rule id) are dropped as not relevant. Call
        from a background thread or a command, not on the typing path: the hover uses
        `prefetch` + `cached_similar`. Returns [] if the index is unavailable.
        """
        exclude = set(exclude_ids)
        if file is not None:
            exclude |= self._open_in_file(file)
        found = self._nearest_struggles(finding, region_text, k, exclude, max_distance, same_rule_max_distance)
        if file is not None:
            # Asked again after the search: the occurrence on screen may have been recorded
            # (and indexed) while the model loaded, after the first look.
            still_open = self._open_in_file(file)
            found = [s for s in found if s.event_id not in still_open]
        return found

    def _nearest_struggles(self, finding: Finding, region_text: str, k: int, exclude: set[str],
                           max_distance: float, same_rule_max_distance: float) -> list[PastStruggle]:
        text = struggle_text(finding.rule_id, finding.message, region_text)
        # The same rule is the strongest sign of "the same mistake": those first, nearest
        # code first; then other rules only when the text is really close.
        same = self.similar_to_text(text, k, max_distance=same_rule_max_distance, exclude_ids=exclude,
                                    where={"rule": finding.rule_id})
        if len(same) >= k:
            return same
        exclude |= {s.event_id for s in same}
        others = [s for s in self.similar_to_text(text, k, max_distance=max_distance, exclude_ids=exclude)
                  if s.rule != finding.rule_id]
        return same + others[: k - len(same)]

    def similar_to_text(
        self, text: str, k: int = 3, *, max_distance: float = 0.35, exclude_ids: Collection[str] = (),
        where: Mapping[str, Any] | None = None,
    ) -> list[PastStruggle]:
        """Past struggles near any text (a code region, a question), nearest first."""
        try:
            exclude = set(exclude_ids)
            vector = self.embedder.embed([text])[0]
            hits = self.index.query(STRUGGLES, vector, k + len(exclude) + 2, where=where)
        except Exception as error:  # noqa: BLE001
            log.warning("memory: similar struggles unavailable (%s)", error)
            return []
        out = []
        for eid, distance, meta, _doc in hits:
            if eid in exclude or distance > max_distance:
                continue
            out.append(PastStruggle(
                event_id=eid, file=str(meta.get("file", "")), when=float(meta.get("ts", 0.0)),
                rule=str(meta.get("rule", "")), concepts=tuple(str(meta.get("concepts", "")).split()),
                message=str(meta.get("message", "")), line=int(meta.get("line", 0)), distance=distance,
            ))
            if len(out) >= k:
                break
        return out

    def similar_summaries(self, text: str, k: int = 3) -> list[tuple[str, float, float]]:
        """(summary text, session end time, distance) of past sessions near `text`."""
        try:
            vector = self.embedder.embed([text])[0]
            hits = self.index.query(SUMMARIES, vector, k)
        except Exception as error:  # noqa: BLE001
            log.warning("memory: similar summaries unavailable (%s)", error)
            return []
        return [(doc, float(meta.get("ended", 0.0)), dist) for _id, dist, meta, doc in hits]

    def prefetch(self, finding: Finding, region_text: str, file: str, *, k: int = 3) -> None:
        """Compute `similar_struggles` in the background for a later instant `cached_similar`."""
        key = finding_key(finding, file)
        with self._lock:
            if key in self._cache:
                return

        def task() -> None:
            result = self.similar_struggles(finding, region_text, k, file=file)
            with self._lock:
                self._cache[key] = result
                self._cache.move_to_end(key)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)

        self._worker.submit("similar:" + key, task)

    def cached_similar(self, key: str) -> list[PastStruggle] | None:
        """The prefetched result for `finding_key(finding, file)`, or None if not computed yet."""
        with self._lock:
            result = self._cache.get(key)
            if result is not None:
                self._cache.move_to_end(key)
            return result

    def clear_cache(self) -> None:
        """Forget prefetched answers: the index changed, so they may be incomplete or stale."""
        with self._lock:
            self._cache.clear()

    def warm_up(self) -> None:
        """Load the embedding model and open the index in the background (optional)."""
        def task() -> None:
            try:
                self.embedder.embed(["warm up"])
                self.index.collection(STRUGGLES)
            except Exception as error:  # noqa: BLE001
                log.warning("memory: warm-up failed (%s)", error)
        self._worker.submit("warm-up", task)
