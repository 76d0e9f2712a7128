"""The fences around a child that runs the learner's code.

This guards against *accidents*, not malice: a loop that never ends, a list that
eats the memory, a script that deletes files in the wrong folder, a forgotten
``input()``, a homework that downloads something. A determined program can get
past an audit hook (ctypes, for one); the limits set here by the kernel
(``resource``) and the worker's kill of the whole process group are what hold
when Python-level fences do not.

Runs only in the forked child (never in the server): the audit hook cannot be
removed once added, which is what we want in a process that exits after one run.
"""

from __future__ import annotations

import builtins
import io
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from .protocol import OUTPUT_COMPARE_BYTES, PRINT_TEXT_CHARS, Limits

NETWORK_EVENTS = {
    "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo",
}
PROCESS_EVENTS = {
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "os.startfile",
}
SIGNAL_EVENTS = {"os.kill", "os.killpg"}
# Events that change the file system, and which of their arguments are paths that change.
FILE_EVENTS: dict[str, tuple[int, ...]] = {
    "os.remove": (0,), "os.rmdir": (0,), "os.rename": (0, 1), "os.link": (1,), "os.symlink": (1,),
    "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.mkdir": (0,), "os.utime": (0,),
    "os.mkfifo": (0,), "os.mknod": (0,), "os.setxattr": (0,), "os.removexattr": (0,), "os.chflags": (0,),
    "shutil.rmtree": (0,), "shutil.chown": (0,),
}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
ALLOWED_WRITE_PATHS = {"/dev/null", "/dev/stdout", "/dev/stderr"}


class BlockedBySandbox(PermissionError):
    """Raised where the learner's code tried something examples may not do."""


class Sandbox:
    """The audit hook: network, processes and writes outside the throwaway folder are refused.

    Every refusal is also recorded (with the learner's line) through `on_block`, so it
    is reported even when the learner's code catches the exception.
    """

    def __init__(self, root: str, learner_frame: Callable[[Any], tuple[str, int] | None],
                 on_block: Callable[[str, str, tuple[str, int] | None], None]) -> None:
        self.root = os.path.realpath(root)
        self.active = False
        self._learner_frame = learner_frame
        self._on_block = on_block
        self._own_pid = os.getpid()

    def install(self) -> None:
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        if event == "open":
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            if not flags & WRITE_FLAGS or isinstance(args[0], int):
                return
            self._check_path(args[0], "write")
        elif event in FILE_EVENTS:
            if event in ("os.remove", "os.rmdir") and len(args) > 1 and args[1] not in (None, -1):
                return  # relative to a directory fd: shutil.rmtree, whose own event checked the folder
            for index in FILE_EVENTS[event]:
                if index < len(args) and not isinstance(args[index], int):
                    self._check_path(args[index], "delete" if event in ("os.remove", "os.rmdir", "shutil.rmtree") else "write")
        elif event in NETWORK_EVENTS:
            if event in ("socket.getaddrinfo", "socket.gethostbyname") and args and _is_local_literal(args[0]):
                return  # no network involved: the connect that follows is what gets refused
            self._refuse("network", _network_detail(event, args),
                         "examples run offline: opening network connections is blocked")
        elif event in PROCESS_EVENTS:
            self._refuse("process", _process_detail(event, args),
                         "examples may not start other programs")
        elif event in SIGNAL_EVENTS:
            pid = args[0] if args else None
            if pid not in (0, self._own_pid, -self._own_pid):
                self._refuse("process", f"{event}({pid})", "examples may not signal other programs")

    def _check_path(self, raw: Any, action: str) -> None:
        try:
            path = os.fsdecode(os.fspath(raw))
        except TypeError:
            return
        full = os.path.realpath(os.path.join(os.getcwd(), path))
        if full in ALLOWED_WRITE_PATHS or full == self.root or full.startswith(self.root + os.sep):
            return
        self._refuse("write", f"{action} {full}", f"examples may not {action} files outside their own folder")

    def _refuse(self, kind: str, detail: str, why: str) -> None:
        try:
            where = self._learner_frame(sys._getframe(2))
        except Exception:  # noqa: BLE001 - reporting must never hide the refusal itself
            where = None
        self._on_block(kind, detail, where)
        raise BlockedBySandbox(f"Code Coach: {why} ({detail})")


def _is_local_literal(host: Any) -> bool:
    import ipaddress

    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in ("localhost", None, ""):
        return True
    try:
        ipaddress.ip_address(str(host))
    except ValueError:
        return False
    return True


def _network_detail(event: str, args: tuple) -> str:
    if event in ("socket.connect", "socket.bind", "socket.sendto") and len(args) >= 2:
        address = args[1] if event != "socket.sendto" else args[-1]
        if isinstance(address, tuple) and len(address) >= 2:
            return f"{event.split('.')[1]} to {address[0]}:{address[1]}"
        return f"{event.split('.')[1]} to {address!r}"
    if event.startswith("socket.get") and args:
        return f"look up {args[0]!r}"
    return event


def _process_detail(event: str, args: tuple) -> str:
    if event == "os.system" and args:
        return f"os.system({os.fsdecode(args[0])[:80]!r})"
    if event == "subprocess.Popen" and len(args) >= 2:
        command = args[1]
        if isinstance(command, (list, tuple)):
            command = " ".join(os.fsdecode(c) if isinstance(c, (str, bytes)) else str(c) for c in command)
        return f"run {str(command)[:80]!r}"
    if event in ("os.exec", "os.posix_spawn", "os.spawn") and args:
        return f"{event} {os.fsdecode(args[0]) if isinstance(args[0], (str, bytes)) else args[0]!r}"
    return event


# --------------------------------------------------------------------------- kernel limits


def apply_limits(limits: Limits) -> dict[str, str]:
    """Set the rlimits of this process; returns the ones the kernel refused, with why."""
    refused: dict[str, str] = {}

    def limit(name: str, soft: int, hard: int | None = None) -> None:
        which = getattr(resource, name, None)
        if which is None:
            refused[name] = "not on this system"
            return
        hard = soft if hard is None else hard
        try:
            _, current_hard = resource.getrlimit(which)
            if current_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, current_hard), min(hard, current_hard)
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError) as error:
            refused[name] = str(error)

    cpu = max(1, int(limits.cpu_seconds + 0.999))
    # The soft limit sends SIGXCPU (faulthandler dumps where it was), the hard one kills.
    limit("RLIMIT_CPU", cpu + 1, cpu + 2)
    limit("RLIMIT_AS", _current_address_space() + limits.memory_mb * 1024 * 1024)
    limit("RLIMIT_FSIZE", limits.file_size_mb * 1024 * 1024)
    limit("RLIMIT_NOFILE", max(limits.open_files, _highest_open_fd() + 8))
    limit("RLIMIT_CORE", 0)
    # No child processes. The kernel does not apply this one to root: the audit hook
    # refuses os.fork, subprocess and friends in every case.
    limit("RLIMIT_NPROC", 0)
    # Writing past RLIMIT_FSIZE must fail with an error the learner sees, not kill the run.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return refused


def _current_address_space() -> int:
    """The child's own address space (the warm worker's imports): the learner's allowance comes on top."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 256 * 1024 * 1024


def _highest_open_fd() -> int:
    try:
        return max(int(name) for name in os.listdir("/proc/self/fd"))
    except (OSError, ValueError):
        return 16


# --------------------------------------------------------------------------- stdin, stdout, print, input


class CappedBuffer(io.RawIOBase):
    """Bytes written by the learner's program, kept up to a cap (the rest is counted, not kept)."""

    def __init__(self, cap: int = OUTPUT_COMPARE_BYTES) -> None:
        super().__init__()
        self.cap = cap
        self.data = bytearray()
        self.dropped = 0
        self.newlines = 0

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        size = len(chunk)
        room = self.cap - len(self.data)
        kept = bytes(chunk[: max(room, 0)])
        self.data += kept
        self.newlines += kept.count(b"\n")
        self.dropped += size - len(kept)
        return size

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


def text_stream(buffer: CappedBuffer) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedWriter(buffer, 8192), encoding="utf-8", errors="backslashreplace",
                            line_buffering=False, write_through=True)


class Console:
    """print() and input() as the learner's program sees them, recording who printed what."""

    def __init__(self, learner_frame: Callable[[Any], tuple[str, int] | None],
                 on_needs_input: Callable[[tuple[str, int] | None, bool], None]) -> None:
        self._learner_frame = learner_frame
        self._on_needs_input = on_needs_input
        self.printed: dict[tuple[str, int], list] = {}  # (file, line) -> [last text, count]
        self.origins: list[tuple[int, str, int]] = []  # (first stdout line, file, line) of each print
        self.stdout_buffer = CappedBuffer()
        self.stdout = text_stream(self.stdout_buffer)
        self.stderr_buffer = CappedBuffer(64_000)
        self.stderr = text_stream(self.stderr_buffer)
        self.stdin_provided = False
        self._print = builtins.print

    def install(self) -> None:
        builtins.print = self.print
        builtins.input = self.input
        sys.stdout, sys.stderr = self.stdout, self.stderr
        sys.__stdout__, sys.__stderr__ = self.stdout, self.stderr

    def set_stdin(self, path: str | None) -> None:
        """Point fd 0 (and sys.stdin) at a file, or at nothing: `open(0).read()` must see it too."""
        fd = os.open(path or os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="replace")
        sys.__stdin__ = sys.stdin
        self.stdin_provided = path is not None

    def reset_output(self) -> None:
        self.stdout.flush()
        self.stdout_buffer.data.clear()
        self.stdout_buffer.newlines = 0
        self.stdout_buffer.dropped = 0
        self.origins.clear()

    def print(self, *args: Any, sep: str | None = " ", end: str | None = "\n", file: Any = None, flush: bool = False):
        target = sys.stdout if file is None else file
        scratch = io.StringIO()
        self._print(*args, sep=sep, end=end, file=scratch)
        text = scratch.getvalue()
        if target is sys.stdout:
            where = self._learner_frame(sys._getframe(1))
            if where is not None:
                shown = text[:-len(end)] if end and text.endswith(end) else text
                entry = self.printed.get(where)
                if entry is None:
                    self.printed[where] = [shown[:PRINT_TEXT_CHARS], 1]
                else:
                    entry[0], entry[1] = shown[:PRINT_TEXT_CHARS], entry[1] + 1
                if target is self.stdout and len(self.origins) < 20_000:
                    self.origins.append((self.stdout_buffer.newlines, *where))
        target.write(text)
        if flush:
            target.flush()

    def input(self, prompt: Any = "") -> str:
        if prompt:
            sys.stdout.write(str(prompt))
        line = sys.stdin.readline()
        if not line:
            self._on_needs_input(self._learner_frame(sys._getframe(1)), self.stdin_provided)
            raise EOFError("EOF when reading a line")
        return line[:-1] if line.endswith("\n") else line


# --------------------------------------------------------------------------- time


class ExampleTimedOut(BaseException):  # noqa: N818 - not an error of the learner's making
    """Unwinds an example that used its CPU or wall-clock share (BaseException: `except Exception` lets it by)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Clock:
    """Per-example CPU and wall-clock cuts, sampling where the program is on the way there.

    SIGPROF ticks every tenth of the allowance; each tick records where the learner's
    code is and its local values, and the tick past the allowance raises
    ExampleTimedOut. The samples tell the learner which loop was spinning and which
    values were (or were not) changing. Allowances nest (a module-level assert runs
    inside the import of its module): an inner one never outlasts the outer one,
    and popping it re-arms the outer one with what is left of it.
    """

    SAMPLES_KEPT = 6

    def __init__(self, sample: Callable[[Any], dict | None]) -> None:
        self._sample = sample
        self.samples: list[dict] = []
        self._stack: list[tuple[float, float, float]] = []  # (cpu deadline, wall deadline, tick)
        self._sampling = False

    def install(self) -> None:
        signal.signal(signal.SIGPROF, self._tick)
        signal.signal(signal.SIGALRM, self._wall)

    def push(self, cpu_seconds: float) -> None:
        cpu_seconds = max(cpu_seconds, 0.01)
        cpu_deadline = time.process_time() + cpu_seconds
        wall_deadline = time.monotonic() + max(cpu_seconds * 2, cpu_seconds + 1.0)
        if self._stack:
            cpu_deadline = min(cpu_deadline, self._stack[-1][0])
            wall_deadline = min(wall_deadline, self._stack[-1][1])
        self._stack.append((cpu_deadline, wall_deadline, max(cpu_seconds / 10, 0.005)))
        self.samples = []
        self._arm()

    def pop(self) -> None:
        self._disarm()
        if self._stack:
            self._stack.pop()
        self.samples = []
        if self._stack:
            self._arm()

    def _arm(self) -> None:
        cpu_deadline, wall_deadline, tick = self._stack[-1]
        signal.setitimer(signal.ITIMER_PROF, tick, tick)
        signal.setitimer(signal.ITIMER_REAL, max(wall_deadline - time.monotonic(), 0.001))

    def _disarm(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _record(self, frame: Any) -> None:
        if self._sampling:  # a tick landed inside the previous sample: skip it, never nest
            return
        self._sampling = True
        try:
            sample = self._sample(frame)
        except Exception:  # noqa: BLE001 - a failed sample must not disturb the run
            sample = None
        finally:
            self._sampling = False
        if sample is not None:
            self.samples.append(sample)
            del self.samples[: -self.SAMPLES_KEPT]

    def _tick(self, signum: int, frame: Any) -> None:
        if not self._stack:
            return
        self._record(frame)
        if time.process_time() >= self._stack[-1][0]:
            self._disarm()  # until pop(): the unwinding must not be interrupted again
            raise ExampleTimedOut("cpu")

    def _wall(self, signum: int, frame: Any) -> None:
        if not self._stack:
            return
        self._record(frame)
        self._disarm()
        raise ExampleTimedOut("wall")
