"""Fixtures for the service tests: a fresh memory per test, a fixed clock, no index."""

from __future__ import annotations

from pathlib import Path

import pytest

from codecoach.memory import Memory

from .seed import TODAY, NoIndex, at

ENV_VARS = ("CHROMA_HOST", "CHROMA_PORT", "CHROMA_AUTH_TOKEN", "CHROMA_DB_PATH", "CODECOACH_DATA_DIR")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def memory(tmp_path: Path):
    """An empty memory whose clock says TODAY at 18:00."""
    now = at(TODAY, 18.0)
    mem = Memory.open(tmp_path / "data", embedder=NoIndex(), clock=lambda: now, consolidate_every=None)
    yield mem
    mem.close()


def settle(memory) -> None:
    assert memory.flush(30, index=False)
