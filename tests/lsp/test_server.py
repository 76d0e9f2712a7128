"""The language server end to end: a real server process over stdio."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys

import pytest
from lsprotocol import types as lsp

from .conftest import change_document, diagnostics_for, open_document, replace_range

URI = "file:///tmp/learner/grades.py"

MISTAKE = "answer = input('Ready? ')\nif answer is 'yes':\n    print('go')\n"


async def test_diagnostics_carry_source_code_and_rule_link(client):
    open_document(client, URI, MISTAKE)
    diagnostics = await diagnostics_for(client, URI, 1)
    [found] = [d for d in diagnostics if d.code == "CC102"]
    assert found.source == "Code Coach"
    assert found.severity == lsp.DiagnosticSeverity.Warning
    assert found.code_description.href.endswith("docs/rules.html#cc102")
    assert found.range == lsp.Range(lsp.Position(1, 3), lsp.Position(1, 18))
    assert "\n" not in found.message


async def test_fixing_the_mistake_clears_the_diagnostic(client):
    open_document(client, URI, MISTAKE)
    assert any(d.code == "CC102" for d in await diagnostics_for(client, URI, 1))
    change_document(client, URI, 2, replace_range((1, 10), (1, 12), "=="))
    assert not any(d.code == "CC102" for d in await diagnostics_for(client, URI, 2))
    # ... and an incremental change that brings it back brings the diagnostic back.
    change_document(client, URI, 3, replace_range((1, 10), (1, 12), "is"))
    assert any(d.code == "CC102" for d in await diagnostics_for(client, URI, 3))


async def test_hover_explains_in_markdown(client):
    open_document(client, URI, MISTAKE)
    await diagnostics_for(client, URI, 1)
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=URI), position=lsp.Position(1, 12))
    )
    assert hover is not None
    assert hover.contents.kind == lsp.MarkupKind.Markdown
    text = hover.contents.value
    for part in ("**CC102", "**Why it matters.**", "**The idea.**", "**Hint.**", "https://docs.python.org/3/"):
        assert part in text
    # Nothing to explain on a clean line.
    assert await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=URI), position=lsp.Position(2, 6))
    ) is None


async def test_hover_on_a_document_never_opened_is_empty_not_an_error(client):
    hover = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri="file:///nowhere/missing.py"),
            position=lsp.Position(0, 0),
        )
    )
    assert hover is None


# "x = '😀é'; ok = x is 'yes'" : the emoji is 2 UTF-16 units and 4 UTF-8 bytes, é is 1 and 2.
NON_ASCII = "x = '😀é'; ok = x is 'yes'\n"
CODE_POINTS_BEFORE = NON_ASCII.index("x is")


async def test_ranges_use_utf16_for_vscode(client):
    open_document(client, URI, NON_ASCII)
    [found] = [d for d in await diagnostics_for(client, URI, 1) if d.code == "CC102"]
    assert found.range.start.character == CODE_POINTS_BEFORE + 1  # emoji: 2 units for 1 code point
    assert found.range.end.character == len(NON_ASCII.rstrip("\n")) + 1


async def test_ranges_use_utf8_when_negotiated_and_hover_is_plain_text(utf8_client):
    client = utf8_client
    open_document(client, URI, NON_ASCII)
    [found] = [d for d in await diagnostics_for(client, URI, 1) if d.code == "CC102"]
    assert found.range.start.character == len(NON_ASCII[:CODE_POINTS_BEFORE].encode("utf-8"))
    hover = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=URI),
            position=lsp.Position(0, found.range.start.character + 2),
        )
    )
    assert hover is not None and hover.contents.kind == lsp.MarkupKind.PlainText
    assert "Why it matters:" in hover.contents.value and "**" not in hover.contents.value


async def test_editing_after_non_ascii_text_keeps_positions_right(client):
    open_document(client, URI, NON_ASCII)
    await diagnostics_for(client, URI, 1)
    # Replace `is` (UTF-16 columns) with `==`: the server must map the change correctly.
    start = CODE_POINTS_BEFORE + 1 + len("x ")
    change_document(client, URI, 2, replace_range((0, start), (0, start + 2), "=="))
    assert not [d for d in await diagnostics_for(client, URI, 2) if d.code == "CC102"]


async def test_only_the_latest_version_is_published(client):
    open_document(client, URI, "x = 1\n")
    await diagnostics_for(client, URI, 1)
    # A burst of edits inside the debounce window: only the last one is analyzed.
    for version in range(2, 7):
        change_document(client, URI, version, replace_range((0, 4), (0, 5), str(version)))
    change_document(client, URI, 7, replace_range((0, 0), (1, 0), "if x is 7:\n    pass\n"))
    diagnostics = await diagnostics_for(client, URI, 7)
    assert [d.code for d in diagnostics] == ["CC102", "CC602"]
    published = [p.version for p in client.published if p.uri == URI]
    assert published == sorted(published), "an older version was published after a newer one"
    assert not set(published) & {2, 3, 4, 5, 6}, "stale versions must be dropped"


async def test_syntax_errors_are_explained(client):
    open_document(client, URI, "for i in range(3)\n    print(i)\n")
    [found] = await diagnostics_for(client, URI, 1)
    assert found.code == "CC002" and found.severity == lsp.DiagnosticSeverity.Error
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=URI), position=found.range.start)
    )
    assert "Python says: expected ':'" in hover.contents.value


async def test_settings_from_initialization_and_configuration_changes(client):
    open_document(client, URI, MISTAKE)
    assert any(d.code == "CC102" for d in await diagnostics_for(client, URI, 1))
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"codecoach": {"disabledRules": ["cc102"], "debounceMs": "soon"}})
    )
    # The file is re-analyzed with the new settings; the bad value is reported once and ignored.
    for _ in range(200):
        latest = [p for p in client.published if p.uri == URI][-1]
        if not any(d.code == "CC102" for d in latest.diagnostics):
            break
        await asyncio.sleep(0.02)
    assert not any(d.code == "CC102" for d in latest.diagnostics)
    warnings = [m.message for m in client.log_messages if m.type == lsp.MessageType.Warning]
    assert any("codecoach.debounceMs" in m and "'soon'" in m and "default 300" in m for m in warnings)


async def test_server_reports_ready_and_status(client):
    for _ in range(100):
        if client.statuses:
            break
        await asyncio.sleep(0.02)
    assert client.statuses and client.statuses[0].state == "offline"
    assert any("ready" in m.message for m in client.log_messages)


def test_first_diagnostics_need_no_heavy_imports():
    """Everything on the path to the first diagnostics, imported in a fresh interpreter."""
    probe = (
        "import sys, codecoach.lsp.server, codecoach.analysis.document, codecoach.cli;"
        "heavy = [m for m in ('chromadb', 'langchain_google_genai', 'google.genai', 'langchain_core', "
        "'tokenizers', 'numpy', 'onnxruntime') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def command_of(action) -> dict:
    """The command a code action runs.

    The test client's converter reads `CodeAction | Command` results as `Command`
    and leaves the CodeAction's command object as its repr in `.command`; editors
    such as VS Code read the JSON directly and are not affected.
    """
    if isinstance(action.command, str) and action.command.startswith("{"):
        return ast.literal_eval(action.command)
    return {"command": action.command.command, "arguments": action.command.arguments}


async def test_code_actions_offer_explain_recommend_and_disable(client):
    open_document(client, URI, MISTAKE)
    diagnostics = await diagnostics_for(client, URI, 1)
    [found] = [d for d in diagnostics if d.code == "CC102"]
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=URI),
            range=found.range,
            context=lsp.CodeActionContext(diagnostics=[found]),
        )
    )
    titles = [a.title for a in actions]
    assert titles == [
        "Explain this mistake (CC102)",
        "Recommendations for comparisons",
        "Don't show CC102 again",
    ]
    explain = command_of(actions[0])
    assert explain["command"] == "codecoach.explain"
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=explain["command"], arguments=explain["arguments"])
    )
    assert result["rules"] == ["CC102"] and "**Hint.**" in result["markdown"]
    disable = command_of(actions[2])
    await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=disable["command"], arguments=disable["arguments"])
    )
    for _ in range(200):
        latest = [p for p in client.published if p.uri == URI][-1]
        if not any(d.code == "CC102" for d in latest.diagnostics):
            break
        await asyncio.sleep(0.02)
    assert not any(d.code == "CC102" for d in latest.diagnostics)


async def test_explain_a_clean_selection_describes_its_concepts(client):
    text = "total = 0\nfor n in [1, 2, 3]:\n    total += n\n"
    open_document(client, URI, text)
    await diagnostics_for(client, URI, 1)
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(
            command="codecoach.explain",
            arguments=[{"uri": URI, "range": {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 14}}}],
        )
    )
    assert "Loops" in result["markdown"] and "docs.python.org" in result["markdown"]
    assert "loops" in result["concepts"]


async def test_bad_command_arguments_are_a_clear_error_and_the_server_stays_up(client):
    with pytest.raises(Exception, match="one object argument with uri, range"):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="codecoach.explain", arguments=["oops"])
        )
    with pytest.raises(Exception, match="not open"):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(
                command="codecoach.explain",
                arguments=[{"uri": "file:///nope.py", "range": {}}],
            )
        )
    open_document(client, URI, MISTAKE)
    assert await diagnostics_for(client, URI, 1)


async def test_a_file_full_of_mistakes_shows_the_most_important_hundred(client):
    text = "x = 1\n" + "ok = x is 1\n" * 150 + "print(undefined_name)\n"
    open_document(client, URI, text)
    diagnostics = await diagnostics_for(client, URI, 1)
    assert len(diagnostics) == 100
    assert diagnostics[0].code == "CC602"  # the error comes before the warnings
    assert any("showing the 100 most important" in m.message for m in client.log_messages)
