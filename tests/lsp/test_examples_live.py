"""Live examples through the real server: after the quiet period the file's own examples run in
the sandboxed worker, and what happened reaches the editor (diagnostics, hovers, inlay hints).

The learner's files are real files in a private folder (the runner copies the folder, so a
sibling test file is found on disk), opened with a file:// URI as an editor would.
"""

from __future__ import annotations

import asyncio
import sqlite3
import textwrap
import time
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import (
    SERVER,
    change_document,
    diagnostics_for,
    initialize,
    isolated_env,
    open_document,
    recording_client,
    replace_range,
    vscode_capabilities,
)

SETTLE = 1  # seconds of quiet before the examples run (the default is 4)
OPTIONS = {"debounceMs": 50, "settleSeconds": SETTLE, "examplesCpuSeconds": 1.0, "logLevel": "debug"}

AVERAGE = '''\
def average(xs):
    """The mean of xs.

    >>> average([1, 2, 3])
    2.0
    """
    total = 0
    for i in range(1, len(xs)):
        total += xs[i]
    return total / len(xs)
'''
DOCTEST_LINE = 3  # 0-based: `>>> average([1, 2, 3])`
LOOP_LINE = 7


def examples_client() -> LanguageClient:
    """The recording client, also answering workspace/inlayHint/refresh (and counting them)."""
    client = recording_client()
    client.refreshes = []  # type: ignore[attr-defined]

    @client.feature(lsp.WORKSPACE_INLAY_HINT_REFRESH)
    def refresh(ls: LanguageClient, params) -> None:
        ls.refreshes.append(time.monotonic())  # type: ignore[attr-defined]

    return client


def capabilities(refresh: bool = True) -> lsp.ClientCapabilities:
    """VS Code's recorded capabilities (1.65, before inlay hints) plus today's inlay hint support."""
    caps = vscode_capabilities()
    caps.workspace = caps.workspace or lsp.WorkspaceClientCapabilities()
    caps.workspace.inlay_hint = lsp.InlayHintWorkspaceClientCapabilities(refresh_support=refresh)
    caps.text_document = caps.text_document or lsp.TextDocumentClientCapabilities()
    caps.text_document.inlay_hint = lsp.InlayHintClientCapabilities()
    return caps


async def start(env: dict[str, str] | None = None, options: dict | None = None, *,
                refresh: bool = True) -> LanguageClient:
    config = ClientServerConfig(server_command=SERVER, client_factory=examples_client,
                                server_env=env or isolated_env())
    client = await config.start()
    await initialize(client, capabilities(refresh), OPTIONS | (options or {}))
    return client


async def stop(client: LanguageClient) -> None:
    try:
        await asyncio.wait_for(client.shutdown_session(), 20)
    finally:
        await client.stop()


def write(folder: Path, name: str, text: str) -> tuple[Path, str]:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path, path.as_uri()


def examples_findings(diagnostics) -> list[lsp.Diagnostic]:
    return [d for d in diagnostics if (d.data or {}).get("origin") == "examples"]


async def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(interval)


def published(client, uri: str, version: int | None = None) -> list[lsp.PublishDiagnosticsParams]:
    return [p for p in client.published if p.uri == uri and (version is None or p.version == version)]


async def examples_published(client, uri: str, version: int, rule: str | None = None, timeout: float = 30.0):
    """The first publish for `version` that carries an examples finding (of `rule`)."""
    def found():
        for params in published(client, uri, version):
            hits = [d for d in examples_findings(params.diagnostics) if rule is None or d.code == rule]
            if hits:
                return hits
        return None

    return await wait_for(found, timeout)


async def hover(client, uri: str, line: int, character: int) -> str:
    answer = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line, character)))
    return answer.contents.value if answer else ""


async def inlay_hints(client, uri: str, lines: int = 100) -> list[lsp.InlayHint]:
    return await client.text_document_inlay_hint_async(lsp.InlayHintParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        range=lsp.Range(lsp.Position(0, 0), lsp.Position(lines, 0)))) or []


def worker_children(server_pid: int) -> list[str]:
    """The command lines of the server's child processes that are the examples worker."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == server_pid and "codecoach.runner.worker" in cmdline:
            found.append(cmdline)
    return found


def run_in_progress(server_pid: int) -> bool:
    """Whether the examples worker has a child: the sandboxed process of a run."""
    workers = [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat") if _parent(p) == server_pid
               and b"codecoach.runner.worker" in _cmdline(p.parent)]
    return any(_parent(p) in workers for p in Path("/proc").glob("[0-9]*/stat"))


def stopped(client, uri: str, version: int) -> bool:
    """The server said it stopped (or dropped) the run for this version: the text moved on."""
    return any(f"the examples of {uri} v{version}: the text moved on" in m.message for m in client.log_messages)


def _parent(stat: Path) -> int | None:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(folder: Path) -> bytes:
    try:
        return (folder / "cmdline").read_bytes()
    except OSError:
        return b""


# -- a failing doctest: after the pause, on its line; gone when the code is fixed ---------------


async def test_a_failing_doctest_is_marked_after_the_pause_explained_and_cleared_when_fixed(tmp_path):
    env = isolated_env()
    _, uri = write(tmp_path, "average.py", AVERAGE)
    client = await start(env)
    try:
        opened = time.monotonic()
        open_document(client, uri, AVERAGE)
        offline = await diagnostics_for(client, uri, 1)
        assert examples_findings(offline) == []  # the offline result never waits for examples

        [failing] = await examples_published(client, uri, 1, "CC801")
        assert time.monotonic() - opened >= SETTLE  # only after the quiet period
        assert failing.range.start.line == DOCTEST_LINE
        assert failing.message == "`average([1, 2, 3])` returned 1.6666666666666667, expected 2.0"
        assert failing.source == "Code Coach"

        text = await hover(client, uri, DOCTEST_LINE, 10)
        assert "Expected" in text and "2.0" in text and "1.6666666666666667" in text
        assert "**Why it matters.**" in text and "**Hint.**" in text  # it teaches, and never gives the fix
        assert "range(len(xs))" not in text

        # The fix: the doctest line is untouched, so its finding is carried until the next run ...
        change_document(client, uri, 2, replace_range((LOOP_LINE, 19), (LOOP_LINE, 22), ""))
        assert [d.code for d in examples_findings(await diagnostics_for(client, uri, 2))] == ["CC801"]
        # ... which, after the next pause, clears it.
        await wait_for(lambda: len(published(client, uri, 2)) >= 2)
        assert examples_findings(published(client, uri, 2)[-1].diagnostics) == []
        assert await hover(client, uri, DOCTEST_LINE, 10) == ""
        await asyncio.sleep(SETTLE + 0.5)  # one more pause: nothing comes back
        assert examples_findings(published(client, uri)[-1].diagnostics) == []
    finally:
        await stop(client)  # shutdown flushes the memory

    # Remembered like every other struggle: shown at the first pause, fixed at the second.
    with sqlite3.connect(Path(env["CODECOACH_DATA_DIR"]) / "events.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM shown WHERE rule = 'CC801'").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM fixes WHERE rule = 'CC801'").fetchone()[0] == 1


# -- a sibling test file: the finding on the test, a copy on the learner's file ----------------

SEARCH = '''\
def search(target, values):
    """Where target is in the sorted values, or -1."""
    low, high = 0, len(values) - 1
    while low < high:
        middle = (low + high) // 2
        if values[middle] == target:
            return middle
        if values[middle] < target:
            low = middle + 1
        else:
            high = middle - 1
    return -1
'''
TEST_SEARCH = '''\
from search import search


def test_finds_the_middle():
    assert search(3, [1, 3, 5]) == 1


def test_finds_the_last():
    assert search(5, [1, 3, 5]) == 2
'''


async def test_a_sibling_test_file_gets_its_failing_test_and_both_clear_when_the_code_is_fixed(tmp_path):
    search_path, search_uri = write(tmp_path, "search.py", SEARCH)
    _, test_uri = write(tmp_path, "test_search.py", TEST_SEARCH)
    client = await start()
    try:
        open_document(client, search_uri, SEARCH)
        open_document(client, test_uri, TEST_SEARCH)
        await diagnostics_for(client, search_uri, 1)
        await diagnostics_for(client, test_uri, 1)
        [on_test] = await examples_published(client, test_uri, 1, "CC801")
        assert on_test.range.start.line == 8  # `assert search(5, [1, 3, 5]) == 2`
        assert "returned -1, expected 2" in on_test.message
        [copy] = await examples_published(client, search_uri, 1, "CC801")
        assert copy.range.start.line == 0 and "(test_search.py, line 9)" in copy.message
        assert "expected" in (await hover(client, test_uri, 8, 10)).lower()

        # Fixing the learner's file (saved or not) clears the finding on the test file too.
        change_document(client, search_uri, 2, replace_range((3, 14), (3, 15), "<="))
        await diagnostics_for(client, search_uri, 2)

        def cleared():
            last_search = published(client, search_uri, 2)[-1]
            last_test = published(client, test_uri)[-1]
            return not examples_findings(last_search.diagnostics) and not examples_findings(last_test.diagnostics)

        await wait_for(cleared)
        assert search_path.read_text(encoding="utf-8") == textwrap.dedent(SEARCH)  # the editor's text ran
    finally:
        await stop(client)


# -- printed values as inlay hints ---------------------------------------------------------------

SCRIPT = '''\
def average(values):
    return sum(values) / len(values)


print("naïve 😀", average([2, 4]))
for i in range(3):
    print("i =", i)
'''


async def test_each_line_that_printed_shows_its_last_value_at_its_end_in_utf16(tmp_path):
    _, uri = write(tmp_path, "script.py", SCRIPT)
    client = await start()
    try:
        open_document(client, uri, SCRIPT)
        await diagnostics_for(client, uri, 1)
        assert await inlay_hints(client, uri) == []  # nothing ran yet
        await wait_for(lambda: client.refreshes)  # the run asks the editor to re-pull
        hints = await inlay_hints(client, uri)
        by_line = {h.position.line: h for h in hints}
        assert set(by_line) == {4, 6}
        first = by_line[4]
        assert first.label == "naïve 😀 3.0"
        # UTF-16: the emoji counts twice, so the end of line 5 is one unit past its length in code points.
        line = SCRIPT.splitlines()[4]
        assert first.position.character == len(line) + 1
        assert first.padding_left is True and first.kind is None
        looped = by_line[6]
        assert looped.label == "i = 2 … ×3"
        assert looped.position.character == len(SCRIPT.splitlines()[6])
        assert "the last of 3 times" in str(looped.tooltip)
        # The hover of a line that printed shows what it printed, and the run's output.
        text = await hover(client, uri, 6, 6)
        assert "This line printed" in text and "i = 2" in text
        assert "i = 0\ni = 1\ni = 2" in text
        # A range asks for that range only.
        assert [h.position.line for h in await client.text_document_inlay_hint_async(lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(lsp.Position(5, 0), lsp.Position(6, 0))))] == [6]

        # Typing above the prints moves the hints with their lines until the next run.
        change_document(client, uri, 2, replace_range((0, 0), (0, 0), "# notes\n"))
        await diagnostics_for(client, uri, 2)
        assert {h.position.line for h in await inlay_hints(client, uri)} == {5, 7}
    finally:
        await stop(client)


async def test_no_refresh_is_asked_of_a_client_that_cannot_take_it(tmp_path):
    _, uri = write(tmp_path, "script.py", SCRIPT)
    client = await start(refresh=False)
    try:
        open_document(client, uri, SCRIPT)
        await diagnostics_for(client, uri, 1)
        # The run happened (the hints are there when the editor pulls) ...
        await wait_for(lambda: any(f"Examples of {uri} v1" in m.message for m in client.log_messages))
        assert {h.position.line for h in await inlay_hints(client, uri)} == {4, 6}
        # ... and the server never sent a request the client did not announce.
        assert client.refreshes == []
    finally:
        await stop(client)


# -- never stale: a newer edit stops the run, and its result is never published ---------------

SLOW_FAILING = '''\
import time

time.sleep(2.5)
assert 1 + 1 == 3
'''


async def test_an_edit_during_a_run_stops_it_and_nothing_for_the_old_text_is_published(tmp_path):
    _, uri = write(tmp_path, "slow.py", SLOW_FAILING)
    client = await start(options={"examplesCpuSeconds": 2.0})  # a wall-clock limit of 5 s: the sleep is no time-out
    try:
        open_document(client, uri, SLOW_FAILING)
        await diagnostics_for(client, uri, 1)
        await wait_for(lambda: run_in_progress(client._server.pid))  # sleeping in the learner's code now
        edited_at = len(client.published)
        change_document(client, uri, 2, replace_range((3, 16), (3, 17), "2"))  # the assert now holds
        await diagnostics_for(client, uri, 2)
        await wait_for(lambda: stopped(client, uri, 1))
        await wait_for(lambda: not run_in_progress(client._server.pid), timeout=1.0)  # killed, not left to sleep on
        # Let the next run (on the fixed text) finish too.
        await wait_for(lambda: any(f"Examples of {uri} v2" in m.message for m in client.log_messages), timeout=30)
        later = client.published[edited_at:]
        assert [p.version for p in later if p.uri == uri and p.version == 1] == []
        assert all(examples_findings(p.diagnostics) == [] for p in later if p.uri == uri), [(p.version, [(d.code, d.message) for d in p.diagnostics]) for p in later]
    finally:
        await stop(client)


# -- runExamples false: nothing runs, no worker starts ------------------------------------------


@pytest.mark.parametrize("run", [False, True])
async def test_run_examples_false_runs_nothing_and_starts_no_worker(tmp_path, run):
    _, uri = write(tmp_path, "average.py", AVERAGE)
    client = await start(options={"runExamples": run})
    try:
        open_document(client, uri, AVERAGE)
        await diagnostics_for(client, uri, 1)
        await asyncio.sleep(SETTLE + 2.0)  # well past the quiet period and a run
        found = [d for p in published(client, uri) for d in examples_findings(p.diagnostics)]
        workers = worker_children(client._server.pid)
        if run:  # the control: the same file, examples on, does run and does start the worker
            assert [d.code for d in found] == ["CC801"] and len(workers) == 1
        else:
            assert found == [] and workers == []
            assert await inlay_hints(client, uri) == []
    finally:
        await stop(client)


async def test_switching_examples_off_removes_their_findings_and_stops_the_worker(tmp_path):
    _, uri = write(tmp_path, "average.py", AVERAGE)
    client = await start()
    try:
        open_document(client, uri, AVERAGE)
        await examples_published(client, uri, 1, "CC801")
        client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={"runExamples": False}))
        await wait_for(lambda: not examples_findings(published(client, uri)[-1].diagnostics))
        await wait_for(lambda: not worker_children(client._server.pid))
    finally:
        await stop(client)


# -- the learner's code hangs: analysis goes on ---------------------------------------------------

# An endless loop no rule can see (n changes, but skips 0 for an odd start).
ENDLESS = '''\
def countdown(n):
    while n != 0:
        n -= 2
    return n


print(countdown(5))
'''


async def test_an_endless_loop_never_stalls_analysis_while_the_learner_types(tmp_path):
    _, endless = write(tmp_path, "endless.py", ENDLESS)
    _, other = write(tmp_path, "notes.py", "total = 0\n")
    client = await start(options={"examplesCpuSeconds": 3.0})  # it spins for about 3 s
    try:
        open_document(client, other, "total = 0\n")
        await diagnostics_for(client, other, 1)
        open_document(client, endless, ENDLESS)
        await diagnostics_for(client, endless, 1)
        await wait_for(lambda: run_in_progress(client._server.pid))  # the learner's loop is spinning now
        # The learner types in another file meanwhile (an edit there does not stop this run):
        # every version gets its diagnostics.
        latencies = []
        for version in range(2, 8):
            sent = time.monotonic()
            change_document(client, other, version, replace_range((1, 0), (1, 0), "x = undefined_name\n"))
            assert any(d.code for d in await diagnostics_for(client, other, version, timeout=10))
            latencies.append(time.monotonic() - sent)
            await asyncio.sleep(0.05)
        assert run_in_progress(client._server.pid), "the run ended before the typing did: nothing was shown"
        print(f"\ndidChange -> diagnostics while an endless example ran (ms): {[round(x * 1000) for x in latencies]}")
        # Left alone, the loop is cut by the time limit and shown where it spins.
        [spinning] = await examples_published(client, endless, 1, "CC813")
        assert spinning.range.start.line == 1 and "still running" in spinning.message
        # The learner edits the spinning file during its next run: that run stops at once.
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(other)))
        await wait_for(lambda: not run_in_progress(client._server.pid))  # the other file's run is over
        change_document(client, endless, 2, replace_range((5, 0), (5, 0), "\n"))
        await diagnostics_for(client, endless, 2)
        await wait_for(lambda: run_in_progress(client._server.pid))
        change_document(client, endless, 3, replace_range((5, 0), (5, 0), "#"))
        assert [d.code for d in examples_findings(await diagnostics_for(client, endless, 3))] == ["CC813"]  # carried
        await wait_for(lambda: stopped(client, endless, 2))
        await wait_for(lambda: not run_in_progress(client._server.pid), timeout=2.0)  # it would spin 3 s more
    finally:
        await stop(client)


# -- with cloud analysis on: Gemini is told what actually happened -------------------------------


async def test_gemini_is_asked_with_the_failing_example_and_its_values(tmp_path):
    from cloud.conftest import answer, point, review
    from fakegemini import API_KEY, FakeGemini

    _, uri = write(tmp_path, "average.py", AVERAGE)
    with FakeGemini() as fake:
        fake.default = answer(review(point(8)))
        env = isolated_env() | {"GOOGLE_API_KEY": API_KEY, "GEMINI_BASE_URL": fake.url}
        client = await start(env, {"cloudEnabled": True, "cloudSettleSeconds": 1})
        try:
            open_document(client, uri, AVERAGE)
            await examples_published(client, uri, 1, "CC801")
            await wait_for(lambda: [r for r in fake.generate_requests if "def average" in r.text])
            [asked] = [r for r in fake.generate_requests if "def average" in r.text]
            assert "What happened when the learner's examples ran:" in asked.text
            assert "returned 1.6666666666666667, expected 2.0" in asked.text
            # Gemini's finding joins the examples' one; both are published for the same version.
            await wait_for(lambda: {"CC801", "GEM-OFF-BY-ONE"} <= {d.code for d in published(client, uri)[-1].diagnostics})
            assert published(client, uri)[-1].version == 1
        finally:
            await stop(client)
