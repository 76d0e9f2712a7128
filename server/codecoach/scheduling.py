"""Where work runs and when: four workers and the per-document timers (for every front end).

Front ends (the language server, the web server) run on an asyncio event
loop that must keep answering (hovers, cancellations, other clients), and
neither pygls nor Starlette debounces. So the loop does only cheap work and
hands everything slow to one of four single-thread workers:

- analysis: offline analysis of one version (milliseconds), memory writes;
- cloud: Gemini calls, seconds long, so they never queue in front of analysis;
- services: summaries, insights and recommendations read the memory;
- examples: runs of the learner's own examples (codecoach.runner): the thread only
  waits on the sandboxed worker process, for as long as the learner's code takes
  (up to the time limit), so it must queue in front of nothing else.

Per document, a new timer cancels the previous one: that is the debounce
(analysis after `debounceMs`) and the settle (examples, memory, then cloud, after
`settleSeconds` of quiet).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def tune_for_latency() -> None:
    """Process-wide settings for a front end whose event loop must keep answering while files are
    analyzed (the language server, the web server). The live pipeline's chores collect garbage."""
    # Automatic collections strike in the middle of an analysis and triple its p95; the pipeline
    # collects between analyses instead (live.py: after each publish, and fully once a minute).
    gc.disable()
    # The analysis thread holds the GIL for 5 ms at a stretch by default; the event loop needs
    # it many times to answer one request, so a hover during an analysis waited ~100 ms. 1 ms
    # turns the convoy into a trickle for a negligible cost in throughput.
    sys.setswitchinterval(0.001)


class Worker:
    """One thread, a FIFO queue, and how much of it is still waiting (for "is anything queued?")."""

    def __init__(self, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"codecoach-{name}")
        self._waiting = 0  # submitted, not started yet
        self._lock = threading.Lock()

    def _started(self, function: Callable[..., T], *args: Any) -> T:
        with self._lock:
            self._waiting -= 1
        return function(*args)

    def _count(self, delta: int) -> None:
        with self._lock:
            self._waiting += delta

    def submit(self, function: Callable[..., Any], *args: Any) -> None:
        """Run after what is queued; a no-op once shutdown has begun."""
        self._count(1)
        try:
            self._pool.submit(self._started, function, *args)
        except RuntimeError:
            self._count(-1)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run on this worker and await the result from the event loop."""
        self._count(1)
        try:
            future = asyncio.get_running_loop().run_in_executor(self._pool, self._started, function, *args)
        except RuntimeError:  # shut down
            self._count(-1)
            raise
        return await future

    @property
    def idle(self) -> bool:
        """Nothing is waiting to start (something may be running)."""
        with self._lock:
            return self._waiting == 0

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class Workers:
    def __init__(self) -> None:
        self.analysis = Worker("analysis")
        self.cloud = Worker("cloud")
        self.services = Worker("services")
        self.examples = Worker("examples")

    def shutdown(self) -> None:
        for worker in (self.analysis, self.cloud, self.services, self.examples):
            worker.shutdown()


class Timers:
    """Per-document timers of one kind: a new one cancels the previous (that is the debounce)."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task] = {}

    def replace(self, uri: str, work: Coroutine[Any, Any, None]) -> None:
        self.cancel(uri)
        task = asyncio.get_running_loop().create_task(work)
        self._tasks[uri] = task
        task.add_done_callback(lambda t: self._tasks.pop(uri, None) if self._tasks.get(uri) is t else None)

    def cancel(self, uri: str) -> None:
        task = self._tasks.pop(uri, None)
        if task is not None:
            task.cancel()

    def cancel_all(self) -> None:
        for uri in list(self._tasks):
            self.cancel(uri)
