"""The learner's history is private on disk: every file the memory writes is 0600 and every
folder 0700 (SQLite's -wal and -shm, Chroma's database and segment folders, the cloud store),
whatever the umask and wherever CHROMA_DB_PATH points, and after a whole session no secret
of the code is in any of them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from memtools import GITHUB_TOKEN, PASSWORD, files_holding, loose_modes

from codecoach.analysis.engine import Analyzer
from codecoach.analysis.findings import split_lines
from codecoach.coach import remember_shown

PROGRAM = f'''import requests

GITHUB_TOKEN = "{GITHUB_TOKEN}"


def login(user):
    password = "{PASSWORD}"
    if user == None:
        return requests.get("https://example.com", auth=(user, password))
    try:
        return requests.get("https://api.github.com", headers={{"Authorization": "token " + GITHUB_TOKEN}})
    except:
        pass
'''


@pytest.fixture
def loose_umask():
    """The umask of most processes (a library user, this test runner): files 0644, folders 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def a_session(mem, file: str = "/w/login.py") -> None:
    """What the coach records of a real look at PROGRAM: its mistakes, concepts, a hover, a fix,
    and the session summarized and indexed."""
    analysis = Analyzer().analyze(PROGRAM)
    assert {f.rule_id for f in analysis.findings} >= {"CC103", "CC502"}
    remember_shown(mem, file, analysis.findings, split_lines(PROGRAM), analysis)
    mem.record_hover(file, analysis.findings[0])
    mem.record_fixed(file, [f for f in analysis.findings if f.rule_id == "CC502"])
    mem.close_idle_sessions(mem.clock() + 3 * 3600)
    assert mem.flush(60)


def fill_cloud_store(data: Path) -> None:
    from codecoach.providers.store import FILENAME, CloudStore

    store = CloudStore(data / FILENAME)
    store.cache_put("k", "review", {"anchor": "if user == None:"})
    assert store.take_day("2030-01-01", 10)
    store.close()


def test_every_file_and_folder_is_private_with_chroma_db_path_into_a_loose_folder(
        open_memory, loose_umask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    monkeypatch.setenv("CHROMA_DB_PATH", str(shared / "index"))
    data = tmp_path / "data"
    mem = open_memory(data, idle_minutes=10)
    a_session(mem)
    fill_cloud_store(data)
    # The companions SQLite writes next to a database are there, so they are checked too.
    assert {"events.sqlite3-wal", "events.sqlite3-shm"} <= {p.name for p in data.iterdir()}
    assert any(p.is_dir() for p in (shared / "index").iterdir()), "Chroma wrote its segment folders"

    assert loose_modes(data) == []
    assert loose_modes(shared / "index") == []
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755, "a folder the coach did not create is not its to change"
    assert files_holding(tmp_path, GITHUB_TOKEN, PASSWORD) == {}, "a secret from the code was stored"
    # The region is still there, minus its secrets: "met before" works on it.
    region = mem.events("shown", rule="CC103")[0]["region"]
    assert "if user == None:" in region and "<REDACTED:" in region


def test_chroma_db_path_on_an_existing_loose_folder_keeps_the_index_private(
        open_memory, loose_umask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    notes = shared / "notes.txt"
    notes.write_text("the learner's own file")
    monkeypatch.setenv("CHROMA_DB_PATH", str(shared))
    mem = open_memory(tmp_path / "data")
    a_session(mem)
    index_files = [p for p in shared.iterdir() if p != notes]
    assert index_files and all(loose_modes(p) == [] for p in index_files), [loose_modes(p) for p in index_files]
    assert stat.S_IMODE(notes.stat().st_mode) == 0o644 and stat.S_IMODE(shared.stat().st_mode) == 0o755


def test_an_index_written_with_open_modes_is_tightened_at_open(open_memory, loose_umask, tmp_path: Path,
                                                               embedder, clock) -> None:
    data = tmp_path / "data"
    mem = open_memory(data)
    a_session(mem)
    mem.close()
    for path in [data, *data.rglob("*")]:  # as an older version left it
        path.chmod(0o755 if path.is_dir() else 0o644)
    again = open_memory(data)
    assert again.similar_to_text("if user == None:", 1, max_distance=2.0)  # opens the index
    assert loose_modes(data) == []
