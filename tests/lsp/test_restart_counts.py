"""Restarting the server, or closing and reopening a file, does not count its mistakes again."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from lsprotocol import types as lsp

from .conftest import FAST, config, diagnostics_for, initialize, isolated_env, open_document, vscode_capabilities

URI = "file:///tmp/learner/grades.py"
# Four mistakes: `== None`, removing from the list being looped over, a bare except, `is` with a literal.
GRADES = (
    "def check(grades):\n"
    "    if grades == None:\n"
    "        return 0\n"
    "    for g in grades:\n"
    "        if g < 0:\n"
    "            grades.remove(g)\n"
    "    try:\n"
    "        return sum(grades) / len(grades)\n"
    "    except:\n"
    "        pass\n"
    "\n"
    "answer = input('Ready? ')\n"
    "if answer is 'yes':\n"
    "    print(check([3, 4]))\n"
)
SETTLE = 1


async def start(env: dict[str, str]):
    client = await config(env).start()
    # Examples off: this script's input() would add a "needs keyboard input" struggle (CC815) at
    # each pause, after a run whose timing this test does not wait for; it counts the rule findings.
    await initialize(client, vscode_capabilities(), FAST | {"settleSeconds": SETTLE, "runExamples": False})
    return client


async def stop(client) -> None:
    await client.shutdown_session()
    await client.stop()


async def look_at_the_file(client, version: int = 1) -> None:
    """Open it, see the mistakes, pause long enough for the coach to remember them."""
    open_document(client, URI, GRADES, version)
    codes = {d.code for d in await diagnostics_for(client, URI, version)}
    assert {"CC102", "CC103", "CC303", "CC502"} <= codes
    await asyncio.sleep(SETTLE + 0.8)


async def todays_summary(client) -> dict:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="codecoach.showSummary", arguments=[{"period": "day"}]))


def counted(summary: dict) -> dict:
    return {"totals": summary["totals"], "topStruggles": summary["topStruggles"], "concepts": summary["concepts"],
            "days": summary["days"]}


async def test_a_restart_and_a_reopened_file_leave_the_summary_counts_unchanged():
    env = isolated_env()
    client = await start(env)
    try:
        await look_at_the_file(client)
        before = await todays_summary(client)
    finally:
        await stop(client)
    assert before["totals"]["findings"] == 4 and before["totals"]["sessions"] == 1

    client = await start(env)  # a new server on the same data folder (reopening the editor)
    try:
        await look_at_the_file(client)
        after_restart = await todays_summary(client)
        # Close the file and open it again, unchanged.
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri=URI)))
        await look_at_the_file(client, version=2)
        after_reopen = await todays_summary(client)
    finally:
        await stop(client)
    assert counted(after_restart) == counted(before)
    assert counted(after_reopen) == counted(before)
    with sqlite3.connect(Path(env["CODECOACH_DATA_DIR"]) / "events.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM shown").fetchone()[0] == 4
        assert db.execute("SELECT count(*) FROM open_occurrences").fetchone()[0] == 4
