"""`ExampleRunner`: the server's handle on the warm worker.

The one object front ends use::

    runner = ExampleRunner()
    report = runner.run(path, text, settings=settings, version=3, cancelled=lambda: newer_version_arrived)
    ...
    runner.close()

`run` blocks (call it from a worker thread, never the event loop); it never
raises because of the learner's program, and never runs any of it in this
process. A run that is cancelled (the `cancelled` callable turns true, or
`cancel()` is called from another thread) has its child killed and returns a
report with status ``cancelled`` at once. The worker is started on the first
run, kept warm between runs, and restarted when it dies.
"""

from __future__ import annotations

import logging
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .discovery import Plan, discover
from .protocol import PROTOCOL_VERSION, Limits, dumps, loads
from .report import BROKEN, CANCELLED, NOT_RUNNABLE, OFF, ExampleReport, build_report, empty_report

log = logging.getLogger(__name__)

START_TIMEOUT = 30.0  # the worker's imports, on a loaded 2-core machine
POLL = 0.01
REPLY_GRACE = 5.0  # beyond the worker's own kill deadline before the worker is presumed stuck


class WorkerError(RuntimeError):
    pass


def limits_from(settings: Any) -> Limits:
    """The run limits from the coach's settings (any object with the examples* fields), or the defaults."""
    defaults = Limits()
    if settings is None:
        return defaults
    return Limits(
        cpu_seconds=float(getattr(settings, "examplesCpuSeconds", defaults.cpu_seconds)),
        memory_mb=int(getattr(settings, "examplesMemoryMb", defaults.memory_mb)),
    )


def enabled(settings: Any) -> bool:
    return bool(getattr(settings, "runExamples", True)) if settings is not None else True


class _Worker:
    """One worker process and the line-buffered pipe to it."""

    def __init__(self, python: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [python, "-s", "-m", "codecoach.runner.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=tempfile.gettempdir(), env=env, start_new_session=True, close_fds=True,
        )
        self._buffer = b""
        self._stderr = threading.Thread(target=self._drain_stderr, name="codecoach-examples-stderr", daemon=True)
        self._stderr.start()
        hello = self.read(time.monotonic() + START_TIMEOUT)
        if hello is None or hello.get("op") != "hello":
            self.kill()
            raise WorkerError(f"the examples worker did not start (got {hello!r})")
        if hello.get("protocol") != PROTOCOL_VERSION:
            self.kill()
            raise WorkerError("the examples worker speaks another protocol version")
        self.pid = int(hello["pid"])

    def _drain_stderr(self) -> None:
        stream = self.proc.stderr
        if stream is None:
            return
        for line in iter(stream.readline, b""):
            log.debug("examples worker: %s", line.decode("utf-8", "replace").rstrip())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(dumps(message))
        self.proc.stdin.flush()

    def read(self, deadline: float, wake: Callable[[], bool] | None = None) -> dict[str, Any] | None:
        """The next message, None at the deadline (or as soon as `wake()` is true), WorkerError if it died."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            if wake is not None and wake():
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], min(remaining, POLL if wake else remaining))
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise WorkerError("the examples worker stopped")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return loads(line)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def stop(self) -> None:
        try:
            self.send({"op": "exit"})
            self.proc.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        self.kill()


class ExampleRunner:
    def __init__(self, *, python: str | None = None) -> None:
        self._python = python or sys.executable
        self._worker: _Worker | None = None
        self._lock = threading.Lock()  # one run at a time
        self._cancel = threading.Event()
        self._closed = False
        self._next_id = 0
        self.restarts = 0

    # ------------------------------------------------------------------ the public API

    def run(self, path: str | os.PathLike[str], text: str, *, settings: Any = None, version: int | None = None,
            open_texts: Mapping[str, str] | None = None,
            cancelled: Callable[[], bool] | None = None) -> ExampleReport:
        """Run the examples of `path` as its `text` stands (blocking). See the module docstring."""
        started = time.perf_counter()
        path = str(path)
        if not enabled(settings):
            return empty_report(path, text, version, OFF, "running examples is switched off (runExamples)")
        with self._lock:
            # Checked under the lock: a run that waited for it while close() ran must not clear
            # close()'s cancel and restart the worker; it comes back cancelled.
            if self._closed:
                return empty_report(path, text, version, CANCELLED, "the runner is closed")
            self._cancel.clear()

            def stop() -> bool:
                return self._cancel.is_set() or (cancelled is not None and cancelled())

            plan = discover(path, text, open_texts)
            if not plan.runnable:
                return empty_report(path, text, version, NOT_RUNNABLE, "the file does not parse",
                                    time.perf_counter() - started)
            limits = limits_from(settings)
            job = self._job(plan, limits)
            for attempt in (1, 2):
                if stop():
                    return empty_report(path, text, version, CANCELLED, "cancelled", time.perf_counter() - started)
                try:
                    answer = self._exchange(job, limits, stop)
                except WorkerError as error:
                    log.warning("Examples worker failed (%s); restarting it", error)
                    self._discard_worker()
                    if attempt == 2:
                        return empty_report(path, text, version, BROKEN, str(error), time.perf_counter() - started)
                    continue
                if answer is None:
                    return empty_report(path, text, version, CANCELLED, "cancelled", time.perf_counter() - started)
                return build_report(plan, text, version, answer, limits, time.perf_counter() - started)
        raise AssertionError("unreachable")  # pragma: no cover

    def cancel(self) -> None:
        """Any thread: stop the run in progress (it returns a cancelled report)."""
        self._cancel.set()

    def start(self) -> None:
        """Start the warm worker now (the first run does it otherwise)."""
        with self._lock:
            self._ensure_worker()

    @property
    def worker_pid(self) -> int | None:
        worker = self._worker
        return worker.pid if worker is not None and worker.alive() else None

    def close(self, timeout: float = 2.0) -> None:
        """Stop the run in progress and the worker for good. Gently when the run stops within
        `timeout` (the worker then removes the run's throwaway folder); otherwise the worker's
        process group is killed, so closing never waits on the learner's code for long."""
        self._closed = True
        self._cancel.set()
        if self._lock.acquire(timeout=timeout):
            try:
                self._discard_worker(gently=True)
            finally:
                self._lock.release()
            return
        worker = self._worker
        if worker is not None:
            log.info("The examples worker did not stop in %.1f s; killing it", timeout)
            worker.kill()  # the run in progress sees the pipe close and returns

    def __enter__(self) -> ExampleRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the worker

    def _ensure_worker(self) -> _Worker:
        if self._closed:
            raise WorkerError("the runner is closed")
        if self._worker is not None and not self._worker.alive():
            log.info("The examples worker died; starting a new one")
            self._discard_worker()
            self.restarts += 1
        if self._worker is None:
            self._worker = _Worker(self._python, _worker_env())
        return self._worker

    def _discard_worker(self, gently: bool = False) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop() if gently else worker.kill()

    def _job(self, plan: Plan, limits: Limits) -> dict[str, Any]:
        counted = [e for e in plan.examples if e.kind != "io"]
        return {
            "main": Path(plan.path).name,
            "module": plan.module,
            "mode": plan.mode,
            "examples": [{"id": e.id, "kind": e.kind, "spec": e.spec} for e in plan.examples],
            "files": [f.to_json() for f in plan.files],
            "limits": limits.to_json(),
            # Line coverage costs a little; it only pays when examples can disagree.
            "coverage": len(counted) >= 2,
            "display_dir": str(Path(plan.path).parent),
        }

    def _exchange(self, job: dict[str, Any], limits: Limits, stop: Callable[[], bool]) -> dict[str, Any] | None:
        worker = self._ensure_worker()
        self._next_id += 1
        run_id = self._next_id
        try:
            worker.send({"op": "run", "id": run_id, "job": job})
        except (OSError, ValueError) as error:
            raise WorkerError(f"cannot reach the examples worker ({error})") from None
        deadline = time.monotonic() + limits.kill_after_seconds + REPLY_GRACE
        cancelled = False
        while True:
            message = worker.read(deadline, wake=None if cancelled else stop)
            if message is None:
                if not cancelled and stop():
                    cancelled = True
                    try:
                        worker.send({"op": "cancel", "id": run_id})
                    except (OSError, ValueError):
                        raise WorkerError("the examples worker stopped") from None
                    deadline = time.monotonic() + REPLY_GRACE
                    continue
                worker.kill()  # it missed its own deadline: stuck, whatever the reason
                raise WorkerError("the examples worker did not answer in time")
            if message.get("op") == "done" and message.get("id") == run_id:
                return None if cancelled or message.get("exit", {}).get("killed") == "cancelled" else message


def _worker_env() -> dict[str, str]:
    """The server's environment, with the package importable and output predictable."""
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    env["PYTHONHASHSEED"] = "0"  # the same set order in every run, so printed output is stable
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONSTARTUP", None)
    env.pop("PYTHONINSPECT", None)
    return env
