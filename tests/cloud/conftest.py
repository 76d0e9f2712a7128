"""Fixtures for the cloud layer: the fake Gemini, a controllable clock, a network guard."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codecoach.config import CloudSettings
from codecoach.providers.analyst import CloudAnalyst
from codecoach.providers.store import CloudStore
from fakegemini import API_KEY, FakeGemini, Reply

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list:
    """No test in this folder may reach anything beyond 127.0.0.1."""
    attempts: list = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address, *args, **kwargs):
        host = address[0] if isinstance(address, tuple) else address
        attempts.append(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            raise OSError(f"test network guard: connection to {address!r} refused")
        return real_connect(self, address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


class Clock:
    """Wall clock and monotonic clock in one, moved by hand."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


CLOUD = replace(CloudSettings(), cloudEnabled=True, timeoutSeconds=3, breakerFailures=3, breakerCooldownSeconds=300)


@pytest.fixture
def make_analyst(fake: FakeGemini, clock: Clock, tmp_path: Path):
    made: list[CloudAnalyst] = []

    def make(settings: CloudSettings = CLOUD, *, base_url: str | None = None, store: CloudStore | None = None,
             key: str | None = API_KEY, **kwargs) -> CloudAnalyst:
        env = {"GEMINI_BASE_URL": base_url or fake.url}
        if key:
            env["GOOGLE_API_KEY"] = key
        analyst = CloudAnalyst(
            settings,
            store=store or CloudStore(tmp_path / f"cloud{len(made)}.sqlite3"),
            env=env,
            clock=clock,
            monotonic=clock,
            **kwargs,
        )
        made.append(analyst)
        return analyst

    yield make
    for analyst in made:
        analyst.close()


def review(*points: dict, chunk_id: str = "c1", topic: str = "averaging numbers") -> dict:
    return {"chunk_id": chunk_id, "topic": topic, "concepts": ["loops"], "difficulty": 2,
            "confusion_points": list(points), "study_topics": ["range()"]}


def point(start: int, end: int | None = None, kind: str = "off-by-one",
          message: str = "Your loop skips the first element.") -> dict:
    return {"start_line": start, "end_line": end or start, "kind": kind, "message": message,
            "explanation": "range(1, n) starts counting at 1, but lists start at 0.",
            "concept": "range() and list indices", "hint": "Which index does the first element have?"}


def answer(*reviews: dict) -> Reply:
    return Reply.json({"chunks": list(reviews)})


AVERAGE = '''def average(xs):
    total = 0
    for i in range(1, len(xs)):
        total += xs[i]
    return total / len(xs)
'''

THREE_FUNCTIONS = '''import math


def first(xs):
    return xs[1]


def area(r):
    return math.pi * r * 2


def count_down(n):
    while n > 0:
        print(n)
'''
