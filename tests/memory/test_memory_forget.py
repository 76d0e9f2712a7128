"""`forget` empties every store the coach keeps and leaves nothing it deleted in any file:
the event log, the Chroma index (its SQLite free pages, full-text table, queue and segment
folders), the cloud cache; the day's request count survives, so the quota is not reset."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from memtools import DAY, NONE_MSG, files_holding, make_finding

SEGMENT = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")  # embedded Chroma's segment folders

# Recognisable and never redacted (a function, a file name, an undefined name in a message),
# so the scan can see it before `forget`; the password is redacted before it is ever stored.
MARKER = "grade_appeal_for_prof_smith"
PASSWORD = "Tr0ub4dor-and-3-horses"
PROGRAM = f'''def {MARKER}(scores):
    db_password = "{PASSWORD}"
    total = 0
    for s in scores:
        if s == None:
            total = total + s
    return {MARKER}_totl
'''


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codecoach", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def segment_folders(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_dir() and SEGMENT.fullmatch(p.name)} if folder.exists() else set()


def fill_cloud_store(data: Path) -> int:
    """What cloud analysis leaves in cloud.sqlite3: an answer anchored on a code line, a request
    record, today's request count. Returns that count."""
    from codecoach.providers.cache import ResponseCache
    from codecoach.providers.store import FILENAME, CloudStore

    store = CloudStore(data / FILENAME)
    ResponseCache(store).put("review", "gemini", "m", "digest-1",
                             {"findings": [{"anchor": f"    return {MARKER}_totl", "message": "undefined"}]})
    store.record_usage("gemini", "m", "review", {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})
    for _ in range(3):
        assert store.take_day("2030-01-01", 100)
    store.close()
    return 3


def test_forget_all_leaves_no_byte_of_the_code_in_any_file(tmp_path: Path, rules_cache: Path) -> None:
    data = tmp_path / "data"
    env = dict(os.environ, CODECOACH_DATA_DIR=str(data), XDG_CACHE_HOME=str(rules_cache))
    work = tmp_path / "work"
    work.mkdir()
    (work / f"{MARKER}.py").write_text(PROGRAM)
    out = run_cli(env, "analyze", "--no-run", "--remember", str(work))
    assert "Remembered 3 finding(s)" in out.stderr, out.stderr
    fill_cloud_store(data)

    before = {name.removesuffix("-wal") for name in files_holding(data, MARKER)[MARKER]}
    assert {"events.sqlite3", "chroma/chroma.sqlite3", "cloud.sqlite3"} <= before, before
    assert segment_folders(data / "chroma"), "the index was written"

    out = run_cli(env, "forget", "--all")
    assert out.returncode == 0, out.stderr
    assert files_holding(data, MARKER, PASSWORD) == {}, "forgotten code is still in the files"
    assert segment_folders(data / "chroma") == set()
    # It says what it removed, store by store.
    lines = out.stdout.splitlines()
    assert lines[0] == "Forgot everything:"
    assert any(line.startswith("  event log (") and "3 mistakes shown" in line for line in lines), out.stdout
    assert any(line.startswith("  index (") and "segment folder" in line for line in lines), out.stdout
    assert any(line.startswith("  cloud cache (") and "1 cached answer," in line
               and "kept 3 requests counted today" in line for line in lines), out.stdout
    with sqlite3.connect(data / "cloud.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM cache").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM usage").fetchone()[0] == 0
        # Forgetting must not hand out a fresh quota.
        assert db.execute("SELECT count FROM budget_day WHERE day = '2030-01-01'").fetchone()[0] == 3
    with sqlite3.connect(data / "events.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM shown").fetchone()[0] == 0

    # The coach remembers again afterwards, in a fresh index.
    out = run_cli(env, "analyze", "--no-run", "--remember", str(work))
    assert "Remembered 3 finding(s)" in out.stderr, out.stderr
    assert segment_folders(data / "chroma")


OLD = "homework_for_prof_alpha"
NEW = "project_for_prof_omega"


def _lines(name: str) -> list[str]:
    return [f"{name} = None", f"if {name} == None:", f"    {name} = 0"]


def test_forget_before_a_day_leaves_nothing_older_in_any_file(open_memory, clock, tmp_path: Path) -> None:
    from codecoach.providers.store import FILENAME, CloudStore

    data = tmp_path / "data"
    mem = open_memory(data)
    store = CloudStore(data / FILENAME)
    store.cache_put("old", "review", {"anchor": f"if {OLD} == None:"})
    store.close()
    mem.record_shown(f"/w/{OLD}.py", [make_finding("CC103", NONE_MSG, 1, ("none",))], _lines(OLD))
    assert mem.flush(60)
    old_segments = segment_folders(data / "chroma")
    clock.advance(10 * DAY)
    cutoff = datetime.fromtimestamp(clock())
    mem.record_shown(f"/w/{NEW}.py", [make_finding("CC103", NONE_MSG, 1, ("none",))], _lines(NEW))
    assert mem.flush(60)
    assert OLD in files_holding(data, OLD)

    mem.forget(before=cutoff)
    memory_files = {k: [f for f in v if f != FILENAME] for k, v in files_holding(data, OLD, NEW).items()}
    assert memory_files.get(OLD) == [], f"older code is still in the memory's files: {memory_files[OLD]}"
    assert {"events.sqlite3", "chroma/chroma.sqlite3"} <= {f.removesuffix("-wal") for f in memory_files[NEW]}
    assert segment_folders(data / "chroma").isdisjoint(old_segments), "old segment files are still there"
    # What is kept is still found, without embedding anything again.
    (hit,) = mem.similar_struggles(make_finding("CC103", NONE_MSG, 1, ("none",)), f"if {NEW} == None:", 3)
    assert hit.file == f"/w/{NEW}.py"
    assert mem.index.count("struggles") == 1


def test_forget_reports_what_went_from_each_store(open_memory, clock, tmp_path: Path) -> None:
    """The cloud cache forgets answers last used before the day; the day's request count stays."""
    from codecoach.coach import forget_beside_memory
    from codecoach.providers.store import FILENAME, CloudStore

    data = tmp_path / "data"
    mem = open_memory(data)
    store = CloudStore(data / FILENAME, clock=clock)
    store.cache_put("old", "review", {"anchor": f"if {OLD} == None:"})
    store.cache_put("used-again", "review", {"anchor": "print(total)"})
    mem.record_shown(f"/w/{OLD}.py", [make_finding("CC103", NONE_MSG, 1, ("none",))], _lines(OLD))
    assert mem.flush(60)
    clock.advance(10 * DAY)
    cutoff = datetime.fromtimestamp(clock())
    assert store.cache_get("used-again") is not None  # used since: about code the learner still had
    assert store.take_day("2030-01-01", 100)
    mem.record_shown(f"/w/{NEW}.py", [make_finding("CC103", NONE_MSG, 1, ("none",))], _lines(NEW))
    assert mem.flush(60)

    log, index = mem.forget(before=cutoff)
    assert (log.store, log.where) == ("event log", str(data / "events.sqlite3"))
    assert log.removed["shown"] == 1 and log.removed["sessions"] == 1
    assert (index.store, index.removed, index.kept) == ("index", {"records": 1}, {"records": 1})
    cloud, history = forget_beside_memory(data, None, cutoff.timestamp())
    assert (cloud.store, cloud.removed) == ("cloud cache", {"cached answers": 1, "request records": 0})
    assert cloud.kept == {"requests counted today": 1}
    assert store.cache_get("used-again") is not None and store.cache_get("old") is None
    assert history.store == "recommendations"
    store.close()
    assert files_holding(data, OLD) == {}


def test_forget_with_the_index_unreadable_still_erases_it(open_memory, clock, embedder, tmp_path: Path) -> None:
    from chromadb.api.client import SharedSystemClient

    data = tmp_path / "data"
    mem = open_memory(data)
    mem.record_shown(f"/w/{OLD}.py", [make_finding("CC103", NONE_MSG, 1, ("none",))], _lines(OLD))
    assert mem.flush(60)
    mem.close()
    SharedSystemClient.clear_system_cache()  # as a new process would find it
    (data / "chroma" / "chroma.sqlite3").write_bytes(b"garbage " + OLD.encode() * 100)
    again = open_memory(data)
    again.forget(all=True)
    assert files_holding(data, OLD) == {}


HEAP_PROBE = r"""
import ctypes, sys
from pathlib import Path
from codecoach.memory.index import ChromaIndex, ChromaTarget
ChromaIndex(ChromaTarget(path=Path(sys.argv[1])), "probe").count("struggles")
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
block = libc.malloc(200_000)
print(ctypes.string_at(block, 200_000).count(0x5A))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc switch")
def test_once_the_index_is_open_malloc_hands_out_no_old_bytes(tmp_path: Path) -> None:
    """hnswlib writes its buffers' unused capacity to the segment files uncleared (most of
    data_level0.bin for a small index): with old heap bytes in it, forgotten or unredacted text
    seen by the process could land in the index's files. Once the embedded index is open, every
    block malloc hands out is filled instead."""
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    out = subprocess.run([sys.executable, "-c", HEAP_PROBE, str(tmp_path / "index")], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == 200_000
