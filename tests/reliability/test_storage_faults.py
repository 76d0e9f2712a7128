"""Storage faults through the real server: the event log's disk fills up, turns read-only,
is locked by another process; the Chroma index is deleted or corrupted; the server is
killed with SIGKILL. The coach keeps publishing diagnostics, says so once in the log and in
codecoach/status, and loses nothing that was committed."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest

from lsp.conftest import diagnostics_for, open_document

from .conftest import PY, private_dir, start, stop, wait_for

DB = "events.sqlite3"
FAULTS_SURVIVED: list[str] = []
LOG_LINES: list[str] = []


def shown_ids(data_dir: Path) -> set[str]:
    """Committed `shown` events, read the way a second process would."""
    path = data_dir / DB
    if not path.exists():
        return set()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM shown")}
    except sqlite3.Error:
        return set()
    finally:
        conn.close()


def files_shown(data_dir: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{data_dir / DB}?mode=ro", uri=True, timeout=5)
    try:
        return {row[0] for row in conn.execute("SELECT DISTINCT file FROM shown")}
    finally:
        conn.close()


def mistake(n: int) -> str:
    return f"x{n} = {n}\nif x{n} is {n}:\n    pass\n"


root_only = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="needs root to mount a tmpfs")


@root_only
async def test_disk_full_read_only_and_locked_event_log():
    data = private_dir("codecoach-faults-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(data)], check=True)
    chroma = private_dir("codecoach-faults-chroma-")  # the index elsewhere: only the log is squeezed
    env_extra = {"CODECOACH_DATA_DIR": str(data), "CHROMA_DB_PATH": str(chroma)}
    from .conftest import data_env

    client = await start(data_env(**env_extra), {"settleSeconds": 1})
    n = 0

    async def new_document(tag: str) -> str:
        nonlocal n
        n += 1
        uri = f"file:///tmp/learner/{tag}_{n}.py"
        open_document(client, uri, mistake(n))
        assert any(d.code == "CC102" for d in await diagnostics_for(client, uri, 1)), "diagnostics stopped"
        return uri

    async def degraded_then_ok(fault, heal, tag: str, expect_log: str) -> None:
        before = shown_ids(data)
        if asyncio.iscoroutine(injected := fault()):
            await injected
        during = [await new_document(tag) for _ in range(3)]  # diagnostics flow during the fault
        await wait_for(lambda: any(getattr(s, "memory", "ok") != "ok" and s.state == "degraded"
                                   for s in client.statuses), timeout=30)
        def faults() -> list[str]:
            return [m.message for m in client.log_messages if "memory store fault" in m.message
                    and any(part in m.message.lower() for part in expect_log.split("|"))]

        await wait_for(faults, timeout=60)
        await asyncio.sleep(1.5)  # ... and it is not repeated while the fault lasts
        warnings = faults()
        assert len(warnings) == 1, [m.message for m in client.log_messages if "memory" in m.message]
        LOG_LINES.extend(warnings)
        heal()
        try:
            await wait_for(lambda: getattr(client.statuses[-1], "memory", None) == "ok", timeout=60)
        except AssertionError:
            print([(s.state, getattr(s, "memory", None)) for s in client.statuses], [m.message for m in client.log_messages][-8:], os.listdir(data))
            raise
        after = shown_ids(data)
        assert before <= after, "committed events were lost"
        await wait_for(lambda: set(during) <= files_shown(data), timeout=30)
        FAULTS_SURVIVED.append(tag)

    try:
        first = await new_document("start")
        await wait_for(lambda: shown_ids(data), timeout=30)

        filler = data / "filler.bin"

        def fill() -> None:
            with open(filler, "wb") as out:
                try:
                    while True:
                        out.write(b"\0" * 65536)
                        out.flush()
                except OSError:
                    pass

        await degraded_then_ok(fill, filler.unlink, "disk_full", "full")
        statuses_before = len(client.statuses)

        # Read-only: a full disk makes the writer close its connection between retries; in
        # such a window the file system is remounted read-only (then it cannot even reopen).
        async def read_only() -> None:
            fill()
            await new_document("filling")
            for _ in range(500):
                result = subprocess.run(["mount", "-o", "remount,ro", str(data)], capture_output=True)
                if result.returncode == 0:
                    return
                await asyncio.sleep(0.01)
            raise AssertionError("could not remount read-only")

        def writable() -> None:
            subprocess.run(["mount", "-o", "remount,rw", str(data)], check=True)
            filler.unlink()

        await degraded_then_ok(read_only, writable, "read_only", "readonly|read-only|unable to open")
        assert len(client.statuses) > statuses_before

        # Locked: another process holds an exclusive lock.
        holder = sqlite3.connect(str(data / DB), timeout=5, isolation_level=None)

        def lock() -> None:
            holder.execute("BEGIN EXCLUSIVE")

        def unlock() -> None:
            holder.execute("COMMIT")
            holder.close()

        await degraded_then_ok(lock, unlock, "locked", "locked")
        assert first
    finally:
        await stop(client)
        subprocess.run(["umount", "-l", str(data)], check=False)


def index_count(data_dir: Path) -> int:
    """Struggles in the Chroma index, counted by a separate process."""
    code = ("import sys; from codecoach.memory.index import ChromaIndex, ChromaTarget, STRUGGLES; "
            "from codecoach.memory.paths import chroma_path; from codecoach.memory.embeddings import MiniLMEmbedder; "
            "from pathlib import Path; d = Path(sys.argv[1]); "
            "print(ChromaIndex(ChromaTarget.from_env(chroma_path(d)), MiniLMEmbedder().id).count(STRUGGLES))")
    env = dict(os.environ, CODECOACH_DATA_DIR=str(data_dir))
    out = subprocess.run([PY, "-c", code, str(data_dir)], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return int(out.stdout.strip().splitlines()[-1])


async def test_sigkill_mid_session_and_a_lost_index_lose_nothing():
    from .conftest import data_env

    data = private_dir("codecoach-kill-")
    env = data_env(CODECOACH_DATA_DIR=str(data))
    client = await start(env, {"settleSeconds": 1})
    try:
        for n in range(4):
            uri = f"file:///tmp/learner/kill_{n}_{uuid.uuid4().hex[:6]}.py"
            open_document(client, uri, mistake(n))
            await diagnostics_for(client, uri, 1)
        await wait_for(lambda: len(shown_ids(data)) >= 4, timeout=30)
        committed = shown_ids(data)
        # The index goes away while the server runs...
        shutil.rmtree(data / "chroma", ignore_errors=True)
        open_document(client, "file:///tmp/learner/after_rm.py", mistake(9))
        await diagnostics_for(client, "file:///tmp/learner/after_rm.py", 1)
        # ... and then the server is killed mid-session.
        client._server.send_signal(signal.SIGKILL)
        await asyncio.wait_for(client._server.wait(), 10)
        FAULTS_SURVIVED.extend(["chroma dir deleted while running", "SIGKILL mid-session"])
    finally:
        if client._server.returncode is None:
            client._server.kill()
        client._stop_event.set()  # the client's reader ends with the dead server's pipe
    assert committed <= shown_ids(data), "events committed before SIGKILL were lost"

    # Restarted: the state is intact and the coach works.
    client = await start(env, {"settleSeconds": 1})
    try:
        open_document(client, "file:///tmp/learner/restart.py", mistake(5))
        assert any(d.code == "CC102" for d in await diagnostics_for(client, "file:///tmp/learner/restart.py", 1))
        summary = await client.workspace_execute_command_async(
            __import__("lsprotocol.types", fromlist=["x"]).ExecuteCommandParams(command="codecoach.showSummary",
                                                                                 arguments=[{"period": "day"}]))
        assert summary
    finally:
        await stop(client)
    assert committed <= shown_ids(data)

    # The index is rebuilt from the event log.
    env_cli = dict(env)
    out = subprocess.run([PY, "-m", "codecoach", "reindex"], capture_output=True, text=True, env=env_cli, timeout=300)
    assert out.returncode == 0, out.stderr
    assert index_count(data) == len(shown_ids(data))
    # A corrupted index file: reindex rebuilds it too.
    for path in (data / "chroma").rglob("*.sqlite3"):
        path.write_bytes(b"this is not a database" * 100)
    out = subprocess.run([PY, "-m", "codecoach", "reindex"], capture_output=True, text=True, env=env_cli, timeout=300)
    FAULTS_SURVIVED.append("chroma index corrupted")
    assert out.returncode == 0, out.stderr
    assert index_count(data) == len(shown_ids(data))
