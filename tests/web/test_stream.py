"""`WS /ws/stream` against a real server: analyses, bad messages, two clients, latest version wins."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from websockets.exceptions import ConnectionClosed

from codecoach.web.protocol import BadMessage, document_path

from .conftest import change, receive, stream

GRADES = "def grade(score):\n    if score is 100:\n        return 'A'\n    return 'B'\n"
LOOPS = "items = [1, 2, 3]\nfor item in items:\n    items.remove(item)\n"


async def test_a_change_comes_back_as_findings_shaped_like_analyze_json(server, tmp_path):
    async with stream(server) as ws:
        status = await receive(ws)
        assert status["type"] == "status" and status["state"] == "offline"
        await ws.send(change("lessons/grades.py", 1, GRADES))
        analysis = await receive(ws, "analysis")
    assert analysis["path"] == "lessons/grades.py" and analysis["version"] == 1 and analysis["parsed"] is True
    assert analysis["total"] == len(analysis["findings"]) == 1

    # The same findings and concepts as `codecoach analyze --json` prints for that text.
    file = tmp_path / "grades.py"
    file.write_text(GRADES, encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "codecoach", "analyze", "--json", "--no-run", str(file)],
                         capture_output=True, text=True, timeout=120)
    expected = json.loads(cli.stdout)["files"][0]
    assert analysis["findings"] == expected["findings"]
    assert analysis["concepts"] == expected["concepts"]


async def test_malformed_oversized_and_wrong_messages_get_errors_and_the_connection_stays(server):
    async with stream(server) as ws:
        await receive(ws, "status")
        bad = {
            "{not json": "malformed JSON",
            "[1, 2]": "a JSON object",
            json.dumps({"type": "dance"}): "unknown message type 'dance'",
            json.dumps({"type": "change", "path": "a.py", "version": "3", "text": ""}): "version must be a whole",
            json.dumps({"type": "change", "path": "a.py", "version": True, "text": ""}): "version must be a whole",
            json.dumps({"type": "change", "path": "a.py", "version": 1}): "text must be the whole text",
            json.dumps({"type": "close"}): "path must be a non-empty string",
            change("/etc/passwd.py", 1, ""): "must be relative",
            change("../../secrets.py", 1, ""): "must not contain '..'",
            change("notes.txt", 1, ""): "ending in .py",
            change("C:/Users/ada/a.py", 1, ""): "must be relative",
            change("lessons\\a.py", 1, ""): "separate folders with '/'",
            json.dumps({"type": "change", "path": "x" * 1024 * 1024 + ".py", "version": 1, "text": ""}):
                "message too large",
        }
        for frame, sentence in bad.items():
            await ws.send(frame)
            error = await receive(ws, "error")
            assert sentence in error["message"], (frame[:80], error)
        await ws.send(b"\x00\x01binary")
        assert "text frames" in (await receive(ws, "error"))["message"]
        await ws.send(change("ok.py", 1, "x = 1\n"))  # still open, still working
        assert (await receive(ws, "analysis"))["path"] == "ok.py"
        await ws.send(change("ok.py", 1, "x = 2\n"))
        assert "not newer than version 1" in (await receive(ws, "error"))["message"]


async def test_a_frame_over_the_hard_limit_closes_with_1009(server):
    async with stream(server) as ws:
        await receive(ws, "status")
        await ws.send("x" * (2 * 1024 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws, "error", timeout=10)
        assert closed.value.rcvd.code == 1009
    async with stream(server) as again:  # the server lives on
        assert (await receive(again, "status"))["type"] == "status"


async def test_two_clients_at_once_keep_their_own_documents(server):
    async with stream(server) as ada, stream(server) as bob:
        await ada.send(change("ada.py", 1, GRADES))
        await bob.send(change("bob.py", 1, LOOPS))
        from_ada = await receive(ada, "analysis")
        from_bob = await receive(bob, "analysis")
        assert from_ada["path"] == "ada.py" and [f["rule"] for f in from_ada["findings"]] == ["CC102"]
        assert from_bob["path"] == "bob.py" and [f["rule"] for f in from_bob["findings"]] == ["CC303"]
        # Neither hears the other's file.
        with pytest.raises((AssertionError, asyncio.TimeoutError)):
            await receive(ada, "analysis", timeout=1.0)

        # The same file of the same learner is one document: both see its latest version.
        await ada.send(change("shared.py", 1, GRADES))
        assert (await receive(ada, "analysis", where=lambda m: m["path"] == "shared.py"))["version"] == 1
        await bob.send(change("shared.py", 7, LOOPS))
        seen_by_ada = await receive(ada, "analysis", where=lambda m: m["path"] == "shared.py")
        seen_by_bob = await receive(bob, "analysis", where=lambda m: m["path"] == "shared.py")
        assert seen_by_ada == seen_by_bob and seen_by_bob["version"] == 7
        assert [f["rule"] for f in seen_by_bob["findings"]] == ["CC303"]


async def test_the_latest_version_wins_and_versions_only_grow(server):
    async with stream(server) as ws:
        await receive(ws, "status")
        await ws.send(change("typing.py", 1, "total = 0\n"))
        assert (await receive(ws, "analysis"))["version"] == 1
        # Typing faster than the debounce: only what the learner stopped at is analyzed.
        text = "total = 0\n"
        for version in range(2, 32):
            text += "x" if version % 5 else "\n"
            await ws.send(change("typing.py", version, text + ("\nif total is 1:\n    pass\n" if version == 31 else "")))
        seen = []
        while not seen or seen[-1] != 31:
            seen.append((await receive(ws, "analysis", timeout=15))["version"])
        assert seen == sorted(seen) and len(seen) < 10, seen  # debounced, in order, the last one last
        with pytest.raises((AssertionError, asyncio.TimeoutError)):
            await receive(ws, "analysis", timeout=1.0)  # nothing stale arrives after it


async def test_a_dashboard_follows_every_document_and_hears_what_is_remembered(server):
    async with stream(server) as editor, stream(server) as dashboard:
        await receive(dashboard, "status")
        await editor.send(change("follow.py", 1, GRADES))
        await receive(editor, "analysis")
        await dashboard.send(json.dumps({"type": "subscribe"}))
        current = await receive(dashboard, "analysis")  # the latest analysis of what is open already
        assert current["path"] == "follow.py" and current["version"] == 1
        await editor.send(change("follow.py", 2, GRADES.replace(" is ", " == ")))
        assert (await receive(dashboard, "analysis"))["version"] == 2
        assert (await receive(dashboard, "remembered", timeout=10))["path"] == "follow.py"
        await editor.send(json.dumps({"type": "close", "path": "follow.py"}))
        assert (await receive(dashboard, "remembered", timeout=10))["path"] == "follow.py"


async def test_a_file_too_large_to_analyze_is_said_once(server):
    big = "x = 1\n" * 12_000  # 72 KB: over the analysis limit, under the message limit
    async with stream(server) as ws:
        await ws.send(change("big.py", 1, big))
        first = await receive(ws, "analysis")
        assert first["findings"] == [] and "does not analyze big.py" in first["notice"]
        await ws.send(change("big.py", 2, big + "y = 2\n"))
        second = await receive(ws, "analysis")
        assert second["version"] == 2 and not second["notice"]


def test_document_paths_are_names_never_files():
    assert document_path("lesson.py") == "lesson.py"
    assert document_path("./lessons//week1/lesson.py") == "lessons/week1/lesson.py"
    for bad in ("", "   ", "/abs.py", "../up.py", "a/../../b.py", "a.txt", ".py", ".hidden.py", "a\x00.py",
                "C:/x.py", "a\\b.py", None, 3, "x" * 300 + ".py"):
        with pytest.raises(BadMessage):
            document_path(bad)


async def test_gemini_findings_arrive_as_a_later_analysis_of_the_same_version(tmp_path):
    """Several publishes per version: the offline findings at once, Gemini's after the quiet period
    (live examples land the same way), each message the whole list for that version."""
    from cloud.conftest import AVERAGE, answer, point, review
    from fakegemini import API_KEY, FakeGemini, Reply

    from .conftest import isolated_env, start_server

    with FakeGemini() as fake:
        fake.reply(answer(review(point(3))))
        fake.default = Reply.text("Lists count from **0**: which index does the first element have?")
        settings = {"debounceMs": 50, "cloudEnabled": True, "settleSeconds": 1, "cloudSettleSeconds": 1,
                    "runExamples": False}
        env = isolated_env(tmp_path / "data", GOOGLE_API_KEY=API_KEY, GEMINI_BASE_URL=fake.url)
        server = start_server(tmp_path / "web", settings=settings, env=env)
        try:
            async with stream(server) as ws:
                await ws.send(change("average.py", 1, AVERAGE))
                offline = await receive(ws, "analysis")
                assert offline["version"] == 1 and not any(f["rule"].startswith("GEM-") for f in offline["findings"])
                later = await receive(ws, "analysis", timeout=30)
                assert later["version"] == 1
                gemini = [f for f in later["findings"] if f["source"] == "gemini"]
                assert [f["rule"] for f in gemini] == ["GEM-OFF-BY-ONE"] and gemini[0]["line"] == 3
                assert gemini[0]["rule_page"].endswith("rules.html#gemini-findings")
                assert {f["rule"] for f in offline["findings"]} <= {f["rule"] for f in later["findings"]}
            assert any("def average" in r.text for r in fake.generate_requests)
        finally:
            assert server.stop() == 0, server.log()
