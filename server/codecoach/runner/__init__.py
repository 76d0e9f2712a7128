"""Live examples: run the learner's own doctests, asserts, tests, I/O examples and scripts,
and say what actually happened (failures, exceptions with values, time-outs, suspicious
lines, printed values).

Nothing of the learner's code runs in the server: a warm worker process forks a
sandboxed child per run (see worker.py, sandbox.py, docs/examples.md). The sandbox
guards against accidents, not malice.

Front ends use::

    from codecoach.runner import ExampleRunner
    report = ExampleRunner().run(path, text, settings=settings, version=v, cancelled=is_stale)

Importing this package is cheap (standard library only); the worker's heavy imports
(coverage, executing, pure_eval, stack_data) happen in the worker process.
"""

from __future__ import annotations

from .discovery import Example, Plan, discover
from .engine import ExampleRunner, WorkerError
from .protocol import ERROR, FAILED, MEMORY, NOT_RUN, PASSED, SKIPPED, TIMEOUT, Limits
from .report import (
    BROKEN,
    CANCELLED,
    NOT_RUNNABLE,
    OFF,
    RAN,
    ExampleOutcome,
    ExampleReport,
    PrintedValue,
    SuspiciousLine,
)
from .rules import RULES

__all__ = [
    "BROKEN", "CANCELLED", "NOT_RUNNABLE", "OFF", "RAN", "RULES",
    "ERROR", "FAILED", "MEMORY", "NOT_RUN", "PASSED", "SKIPPED", "TIMEOUT",
    "Example", "ExampleOutcome", "ExampleReport", "ExampleRunner", "Limits", "Plan", "PrintedValue",
    "SuspiciousLine", "WorkerError", "discover",
]
