"""Gemini through the real server: the real SDK against the fake Gemini on 127.0.0.1."""

from __future__ import annotations

import asyncio

from lsprotocol import types as lsp

from cloud.conftest import answer, point, review
from fakegemini import API_KEY, FakeGemini, Reply

from .conftest import (
    change_document,
    config,
    diagnostics_for,
    initialize,
    isolated_env,
    open_document,
    replace_range,
    vscode_capabilities,
)

URI = "file:///tmp/learner/average.py"
# An off-by-one the offline rules cannot see: the loop skips the first element.
AVERAGE = '''def average(xs):
    total = 0
    for i in range(1, len(xs)):
        total += xs[i]
    return total / len(xs)

password = "correct-horse-battery-staple"
'''
OPTIONS = {"debounceMs": 50, "cloudEnabled": True, "settleSeconds": 1, "cloudSettleSeconds": 1}


async def wait_for(predicate, timeout: float = 30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = predicate()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


def latest(client, uri: str):
    published = [p for p in client.published if p.uri == uri]
    return published[-1] if published else None


async def test_a_logic_mistake_only_gemini_sees_reaches_the_editor_with_an_explanation():
    with FakeGemini() as fake:
        fake.reply(answer(review(point(3))))
        fake.default = Reply.text("Lists count from **0**: which index does the first element have?")
        env = isolated_env() | {"GOOGLE_API_KEY": API_KEY, "GEMINI_BASE_URL": fake.url}
        client = await config(env).start()
        try:
            await initialize(client, vscode_capabilities(), OPTIONS)
            open_document(client, URI, AVERAGE)
            offline = await diagnostics_for(client, URI, 1)
            assert not any(str(d.code).startswith("GEM-") for d in offline)

            def gemini_diagnostic():
                params = latest(client, URI)
                found = [d for d in params.diagnostics if d.code == "GEM-OFF-BY-ONE"] if params else []
                return found[0] if found else None

            found = await wait_for(gemini_diagnostic)
            assert found.source == "Code Coach" and found.range.start.line == 2
            assert found.code_description.href.endswith("docs/rules.html#gemini-findings")
            assert latest(client, URI).version == 1

            hover = await client.text_document_hover_async(
                lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=URI), position=lsp.Position(2, 10))
            )
            assert "Your loop skips the first element." in hover.contents.value

            assert any(s.state == "gemini" for s in client.statuses)
            assert [r for r in fake.generate_requests if "def average" in r.text and "chunk" in r.text]
            assert "correct-horse-battery-staple" not in fake.all_text(), "a password left the machine"

            # A change that leaves the code as it was (a comment) sends nothing new.
            sent = len(fake.generate_requests)
            change_document(client, URI, 2, replace_range((5, 0), (5, 0), "# tidy\n"))
            await diagnostics_for(client, URI, 2)
            moved = await wait_for(lambda: (p := latest(client, URI)) and p.version == 2
                                   and any(d.code == "GEM-OFF-BY-ONE" for d in p.diagnostics))
            assert moved
            await asyncio.sleep(1.5)  # past the settle time
            analysis_requests = [r for r in fake.generate_requests[sent:] if "def average" in r.text and "chunk" in r.text]
            assert analysis_requests == [], "unchanged code was sent to Gemini again"
        finally:
            await client.shutdown_session()
            await client.stop()


async def test_offline_findings_keep_flowing_when_gemini_fails():
    with FakeGemini() as fake:
        fake.default = Reply.server_error()
        env = isolated_env() | {"GOOGLE_API_KEY": API_KEY, "GEMINI_BASE_URL": fake.url}
        client = await config(env).start()
        try:
            await initialize(client, vscode_capabilities(), OPTIONS)
            open_document(client, URI, "x = 1\nif x is 1:\n    pass\n")
            assert any(d.code == "CC102" for d in await diagnostics_for(client, URI, 1))
            await wait_for(lambda: fake.generate_requests)
            change_document(client, URI, 2, replace_range((1, 5), (1, 7), "=="))
            assert not any(d.code == "CC102" for d in await diagnostics_for(client, URI, 2))
        finally:
            await client.shutdown_session()
            await client.stop()


async def test_the_summary_narrative_comes_from_gemini_when_cloud_is_on():
    with FakeGemini() as fake:
        fake.default = Reply.text("You practised comparisons today and fixed your identity check. Well done.")
        env = isolated_env() | {"GOOGLE_API_KEY": API_KEY, "GEMINI_BASE_URL": fake.url}
        client = await config(env).start()
        try:
            await initialize(client, vscode_capabilities(), OPTIONS)
            open_document(client, URI, "x = 1\nif x is 1:\n    pass\n")
            await diagnostics_for(client, URI, 1)
            result = await client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command="codecoach.showSummary", arguments=[{"period": "day"}])
            )
            assert result["generatedBy"] == "gemini"
            assert result["narrative"].startswith("You practised comparisons today")
            narrations = [r for r in fake.generate_requests if "coding period" in r.text]
            assert narrations and "if x is 1" not in narrations[0].text  # facts only, never code
        finally:
            await client.shutdown_session()
            await client.stop()


async def test_a_retired_model_becomes_one_status_notice_and_a_fallback():
    with FakeGemini() as fake:
        fake.retired.add("gemini-2.5-flash")
        fake.reply(answer(review(point(3))))
        env = isolated_env() | {"GOOGLE_API_KEY": API_KEY, "GEMINI_BASE_URL": fake.url}
        client = await config(env).start()
        try:
            await initialize(client, vscode_capabilities(), OPTIONS | {"model": "gemini-2.5-flash"})
            noticed = await wait_for(lambda: [s for s in client.statuses if getattr(s, "notice", "")])
            assert noticed[0].state == "gemini" and noticed[0].model == "gemini-3.8-flash"
            assert "gemini-2.5-flash is not available; using gemini-3.8-flash" in noticed[0].notice
            assert [s.state for s in client.statuses][0] == "checking"  # never "gemini" before the check
            open_document(client, URI, AVERAGE)
            await wait_for(lambda: (p := latest(client, URI)) and any(d.code == "GEM-OFF-BY-ONE" for d in p.diagnostics))
            assert {r.model for r in fake.generate_requests} == {"gemini-3.8-flash"}
            assert [r.api_version for r in fake.generate_requests + fake.model_list_requests] == ["v1"] * (
                len(fake.generate_requests) + len(fake.model_list_requests))
            warnings = [m for m in client.log_messages if "is not available" in m.message]
            assert len(warnings) == 1 and warnings[0].type == lsp.MessageType.Warning
        finally:
            await client.shutdown_session()
            await client.stop()
