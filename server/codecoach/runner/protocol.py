"""What the server, the warm worker and the forked child say to each other.

Everything crosses a pipe as one JSON object per line (UTF-8). The server
sends the worker a *job* (what to copy, how to run it, the limits); the worker
forks a child per job, and the child streams *events* (one per example, plus
blocked actions, printed values and samples) back to the worker on a pipe of
its own, so that what happened before a hard kill is never lost. The worker
answers the server with one ``done`` message holding the events and how the
child ended.

Server -> worker::

    {"op": "run", "id": 7, "job": {...}}
    {"op": "cancel", "id": 7}
    {"op": "ping"}                      -> {"op": "pong", "pid": ...}
    {"op": "exit"}

Worker -> server::

    {"op": "started", "id": 7, "pid": 1234}
    {"op": "done", "id": 7, "events": [...], "exit": {...}, "seconds": 0.12}

This module is standard library only: the server imports it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

# Bump when the shapes below change: a worker from another version is restarted.
PROTOCOL_VERSION = 1

# Modes of a file run (see discovery.py for how one is chosen).
MODE_IMPORT = "import"  # import the module under its own name, then run its examples
MODE_SCRIPT = "script"  # run it as __main__ once, stdin empty
MODE_IO = "io"  # run it as __main__ once per .in file, compare stdout with the .out file

# Kinds of example.
DOCTEST = "doctest"
ASSERT = "assert"
TEST = "test"  # a test_* function (in the file or its sibling test file)
UNITTEST = "unittest"  # a test method of a unittest.TestCase
IO = "io"
SCRIPT = "script"
IMPORT = "import"  # the module's own top-level code, before any example

# Outcomes of one example.
PASSED = "passed"
FAILED = "failed"  # ran to the end but the result was wrong
ERROR = "error"  # raised an exception
TIMEOUT = "timeout"
MEMORY = "memory"
SKIPPED = "skipped"
NOT_RUN = "not-run"

PRINT_TEXT_CHARS = 200  # kept per printed line; front ends show ~60
OUTPUT_KEEP_CHARS = 16_000  # the printed output kept for the report and the hover
OUTPUT_COMPARE_BYTES = 1_000_000  # captured for comparison with a .out file


@dataclass(frozen=True)
class Limits:
    """What one file run may use. Times in seconds, sizes in megabytes."""

    cpu_seconds: float = 2.0
    memory_mb: int = 512
    file_size_mb: int = 16
    open_files: int = 64

    @property
    def wall_seconds(self) -> float:
        """Programs that sleep or wait use no CPU: they get a wall-clock limit too."""
        return self.cpu_seconds * 2 + 1.0

    @property
    def kill_after_seconds(self) -> float:
        """When the worker kills the whole process group, whatever the child is doing."""
        return self.wall_seconds + 1.5

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Limits:
        return cls(**{k: data[k] for k in ("cpu_seconds", "memory_mb", "file_size_mb", "open_files") if k in data})


def dumps(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def loads(line: bytes | str) -> dict[str, Any]:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("a protocol message must be a JSON object")
    return data
