"""One warm worker for the module's tests (start-up is paid once, as in the server)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from codecoach.runner import ExampleRunner


@dataclass(frozen=True)
class QuickSettings:
    """Tighter limits than the defaults so that time-outs and memory hogs end fast on a shared machine."""

    runExamples: bool = True
    examplesCpuSeconds: float = 1.0
    examplesMemoryMb: int = 256


@pytest.fixture(scope="module")
def runner():
    with ExampleRunner() as warm:
        warm.start()
        yield warm


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def run(runner: ExampleRunner, path: Path, settings=None, **kwargs):
    return runner.run(path, path.read_text(encoding="utf-8"), settings=settings or QuickSettings(), **kwargs)


def by_rule(report, rule: str):
    return [f for f in report.findings if f.rule_id == rule]


def line_of(path: Path, fragment: str) -> int:
    """0-based line of the first line containing `fragment`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in {path}")
