"""The warm worker: ``python -m codecoach.runner.worker``, started and kept alive by the server.

It imports everything a run needs once (coverage, executing, pure_eval,
stack_data, doctest, unittest: about half a second), then for each job:

1. makes a throwaway folder and copies the learner's files into it;
2. forks a child (a few milliseconds: the imports are already there), which
   fences itself in (sandbox.py) and runs the examples (child.py);
3. reads the child's events, watching the wall clock and the server's cancel
   requests; past the deadline, or when cancelled, it asks the child for a
   faulthandler dump (SIGUSR1) and kills its whole process group;
4. answers with everything the child said and how it ended, with the throwaway
   folder's path replaced by the learner's folder, then deletes the folder.

Why fork rather than a fresh interpreter per run: a fresh one costs ~0.5 s of
imports before the first example, which is the whole latency budget. A fork
shares the warm worker's memory copy-on-write and leaves it untouched: whatever
the learner's code does to modules, builtins or globals dies with the child.

The worker itself never runs the learner's code. Its stdout is the protocol;
anything else it prints would corrupt it, so it writes only through `_send`.
"""

from __future__ import annotations

import json
import os
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
from typing import Any

from . import child
from .protocol import PROTOCOL_VERSION, Limits, dumps, loads

MAX_EVENTS_BYTES = 4_000_000  # what one run may say in all; the rest is dropped
WORKER_MEMORY_MB = 1024  # the worker's own cap, on top of what it has after its imports
POLL_SECONDS = 0.05


class Worker:
    def __init__(self) -> None:
        self._buffer = b""
        self._pending: list[dict[str, Any]] = []
        self._closed = False

    # ------------------------------------------------------------------ the pipe to the server

    def _send(self, message: dict[str, Any]) -> None:
        data = dumps(message)
        view = memoryview(data)
        while view:
            written = os.write(1, view)
            view = view[written:]

    def _read_commands(self, timeout: float | None) -> list[dict[str, Any]]:
        """Commands that arrived within `timeout` (None: wait for one)."""
        if self._pending:
            pending, self._pending = self._pending, []
            return pending
        ready, _, _ = select.select([0], [], [], timeout)
        if not ready:
            return []
        chunk = os.read(0, 1 << 20)
        if not chunk:
            self._closed = True
            return []
        self._buffer += chunk
        messages = []
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if line.strip():
                try:
                    messages.append(loads(line))
                except ValueError:
                    self._send({"op": "error", "error": "unreadable command"})
        return messages

    def serve(self) -> None:
        self._send({"op": "hello", "pid": os.getpid(), "protocol": PROTOCOL_VERSION})
        while not self._closed:
            for message in self._read_commands(None):
                op = message.get("op")
                if op == "run":
                    self._run(message.get("id"), message.get("job") or {})
                elif op == "ping":
                    self._send({"op": "pong", "pid": os.getpid(), "id": message.get("id")})
                elif op == "exit":
                    return
                # a "cancel" for a run that is over needs nothing

    # ------------------------------------------------------------------ one run

    def _run(self, run_id: Any, job: dict[str, Any]) -> None:
        started = time.perf_counter()
        base = tempfile.mkdtemp(prefix="codecoach-run-")
        work = os.path.join(base, "work")
        try:
            os.makedirs(os.path.join(base, "tmp"))
            os.makedirs(work)
            problems = _copy_files(job.get("files", []), work)
            limits = Limits.from_json(job.get("limits", {}))
            copied = time.perf_counter()
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child
                try:
                    os.close(read_fd)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    child.main(job, base, work, write_fd)
                finally:
                    os._exit(4)
            os.close(write_fd)
            self._send({"op": "started", "id": run_id, "pid": pid})
            forked = time.perf_counter()
            events, ending = self._watch(run_id, pid, read_fd, limits, started)
            ending["phases"] = {"copy": round(copied - started, 6), "fork": round(forked - copied, 6),
                                "child": round(time.perf_counter() - forked, 6)}
            ending["fault"] = _read_fault(os.path.join(base, "fault.txt"))
            ending["copy_problems"] = problems
            display = job.get("display_dir") or ""
            message = _replace_paths({"op": "done", "id": run_id, "events": events, "exit": ending}, base, work,
                                     display)
        except Exception as error:  # noqa: BLE001 - a failed run is an answer, never a dead worker
            message = {"op": "done", "id": run_id, "events": [], "exit": {"error": f"{type(error).__name__}: {error}"}}
        # Gone before the answer: whoever reads the answer never finds the copy still there.
        shutil.rmtree(base, ignore_errors=True)
        message["seconds"] = round(time.perf_counter() - started, 6)
        self._send(message)

    def _watch(self, run_id: Any, pid: int, read_fd: int, limits: Limits, started: float):
        deadline = started + limits.kill_after_seconds
        events: list[dict[str, Any]] = []
        size = 0
        partial = b""
        ending: dict[str, Any] = {}
        open_pipe = True
        warned = False
        while open_pipe:
            now = time.perf_counter()
            if now >= deadline - 0.3 and not warned:
                warned = True
                _signal_group(pid, signal.SIGUSR1)  # faulthandler: where was it?
            if now >= deadline:
                ending["killed"] = "wall-clock"
                break
            ready, _, _ = select.select([read_fd, 0], [], [], min(POLL_SECONDS, max(deadline - now, 0.001)))
            if 0 in ready:
                for message in self._read_commands(0):
                    if message.get("op") == "cancel" and message.get("id") == run_id:
                        ending["killed"] = "cancelled"
                    elif message.get("op") == "exit":
                        ending["killed"] = "cancelled"
                        self._closed = True
                    elif message.get("op") == "ping":
                        self._send({"op": "pong", "pid": os.getpid(), "id": message.get("id")})
                    else:
                        self._pending.append(message)
                if self._closed:
                    ending.setdefault("killed", "cancelled")
                if "killed" in ending:
                    break
            if read_fd in ready:
                chunk = os.read(read_fd, 1 << 16)
                if not chunk:
                    open_pipe = False
                    continue
                partial += chunk
                while b"\n" in partial:
                    line, partial = partial.split(b"\n", 1)
                    size += len(line)
                    if size > MAX_EVENTS_BYTES:
                        ending["events_dropped"] = True
                        continue
                    try:
                        events.append(json.loads(line))
                    except ValueError:
                        ending["events_dropped"] = True
        _signal_group(pid, signal.SIGKILL)
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            ending["signal"] = os.WTERMSIG(status)
            ending["signal_name"] = signal.Signals(ending["signal"]).name
        elif os.WIFEXITED(status):
            ending["code"] = os.WEXITSTATUS(status)
        return events, ending


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


def _copy_files(files: list[dict[str, Any]], work: str) -> list[str]:
    problems = []
    for entry in files:
        name = entry.get("name") or ""
        if not name or "/" in name or name in (".", ".."):
            continue
        target = os.path.join(work, name)
        try:
            if entry.get("text") is not None:
                with open(target, "w", encoding="utf-8") as handle:
                    handle.write(entry["text"])
            elif entry.get("source"):
                shutil.copyfile(entry["source"], target)
        except OSError as error:
            problems.append(f"{name}: {error.strerror or error}")
    return problems


def _read_fault(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(20_000)
    except OSError:
        return ""


def _replace_paths(message: dict[str, Any], base: str, work: str, display: str) -> dict[str, Any]:
    """The throwaway folder never reaches the learner: its paths become the learner's folder."""
    text = json.dumps(message, ensure_ascii=False)
    shown = json.dumps(display.rstrip("/") or ".")[1:-1]
    text = text.replace(work, shown).replace(base, shown)
    return json.loads(text)


def main() -> int:
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = current + WORKER_MEMORY_MB * 1024 * 1024
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us with "exit", or SIGTERM
    # fd 1 is the protocol, written only by _send; a stray print() (a library's warning) goes to stderr.
    sys.stdout = sys.stderr
    child.warm_up()
    try:
        Worker().serve()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
