"""The coach remembers across restarts: a scripted session through the real server."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from lsprotocol import types as lsp

from .conftest import (
    FAST,
    change_document,
    config,
    diagnostics_for,
    initialize,
    isolated_env,
    open_document,
    replace_range,
    vscode_capabilities,
)

FIRST = "file:///tmp/learner/grades.py"
LATER = "file:///tmp/learner/quiz.py"
MISTAKE = "answer = input('Ready? ')\nif answer is 'yes':\n    print('go')\n"


async def start(env: dict[str, str]):
    client = await config(env).start()
    # Examples off: this script's input() would add "needs keyboard input" struggles (CC815),
    # and these tests count the rule findings' struggles.
    await initialize(client, vscode_capabilities(), FAST | {"settleSeconds": 1, "runExamples": False})
    return client


async def stop(client) -> None:
    await client.shutdown_session()
    await client.stop()


async def hover_text(client, uri: str, position: lsp.Position) -> str:
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=position)
    )
    return hover.contents.value if hover else ""


async def test_a_repeated_mistake_after_a_restart_cites_the_earlier_one():
    env = isolated_env()
    data = Path(env["CODECOACH_DATA_DIR"])

    # Session 1: make the mistake, read the explanation, fix it.
    client = await start(env)
    open_document(client, FIRST, MISTAKE)
    assert any(d.code == "CC102" for d in await diagnostics_for(client, FIRST, 1))
    assert "CC102" in await hover_text(client, FIRST, lsp.Position(1, 12))
    await asyncio.sleep(1.5)  # a pause: the mistake is now a struggle, not a typing flicker
    change_document(client, FIRST, 2, replace_range((1, 10), (1, 12), "=="))
    assert not any(d.code == "CC102" for d in await diagnostics_for(client, FIRST, 2))
    await stop(client)  # shutdown remembers what is on screen (the fix) and flushes the memory

    with sqlite3.connect(data / "events.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM shown WHERE rule = 'CC102'").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM fixes WHERE rule = 'CC102'").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM hovers WHERE rule = 'CC102'").fetchone()[0] >= 1
        assert db.execute("SELECT count(*) FROM concept_uses").fetchone()[0] > 0

    # Session 2, after a restart: the same mistake in another file is recognised.
    client = await start(env)
    try:
        open_document(client, LATER, MISTAKE)
        await diagnostics_for(client, LATER, 1)
        text = ""
        for _ in range(300):  # the first retrieval loads the embedding model in the background
            text = await hover_text(client, LATER, lsp.Position(1, 12))
            if "You met this before" in text:
                break
            await asyncio.sleep(0.1)
        assert "You met this before: grades.py" in text
    finally:
        await stop(client)
    with sqlite3.connect(data / "events.sqlite3") as db:
        indexed = db.execute("SELECT count(*) FROM shown WHERE indexed = 1").fetchone()[0]
    assert indexed >= 1, "the first session's struggle was embedded into Chroma after the restart"

    # The index is rebuilt from the log, and forgetting removes everything.
    cli = [sys.executable, "-m", "codecoach"]
    out = subprocess.run([*cli, "reindex"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "Reindexed 2 struggles" in out.stdout, out.stderr
    out = subprocess.run([*cli, "forget", "--all"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(data / "events.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM shown").fetchone()[0] == 0
    assert oct(os.stat(data).st_mode & 0o777) == "0o700"


async def test_a_mistake_that_only_flickers_by_while_typing_is_not_remembered():
    env = isolated_env()
    client = await start(env)
    # `tota` is an undefined name for a moment, then the learner finishes typing `total`.
    open_document(client, FIRST, "total = 1\nprint(tota)\n")
    assert any(d.code == "CC602" for d in await diagnostics_for(client, FIRST, 1))
    change_document(client, FIRST, 2, replace_range((1, 10), (1, 10), "l"))
    assert not any(d.code == "CC602" for d in await diagnostics_for(client, FIRST, 2))
    await stop(client)
    with sqlite3.connect(Path(env["CODECOACH_DATA_DIR"]) / "events.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM shown").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM concept_uses").fetchone()[0] > 0
