"""The real server's command results and status have exactly the fields the extension declares.

`docs/payloads.schema.json` is generated from `extension/src/core/payloads.ts`, where the
extension declares every payload it reads (its TypeScript types and runtime checks come from
the same declarations). Here a real server, over stdio, on a seeded history, answers each
command, and every answer must match: no undeclared field, no missing required one, every
type right. A field renamed on one side only (the Explain Selection page read `rule` while
the server sent `rules`) fails here instead of leaving a page silently empty.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from codecoach.memory import Memory
from services.seed import NoIndex, finding

from .conftest import FAST, config, diagnostics_for, initialize, isolated_env, open_document, vscode_capabilities

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "payloads.schema.json").read_text(encoding="utf-8"))
URI = "file:///payloads/lesson.py"
LESSON = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n\nanswer = input()\nif answer is 'yes':\n    print('ok')\n"
TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "null": type(None),
         "array": list, "object": dict}


def mismatches(schema: dict, value: Any, path: str = "$") -> list[str]:
    """Where `value` differs from `schema` (the subset payloads.ts generates), as 'path: problem'."""
    if "anyOf" in schema:
        if any(not mismatches(option, value, path) for option in schema["anyOf"]):
            return []
        return [f"{path}: {value!r} matches none of {[o.get('type') for o in schema['anyOf']]}"]
    expected = schema["type"]
    is_bool = isinstance(value, bool)
    if not isinstance(value, TYPES[expected]) or (is_bool and expected in ("integer", "number")):
        return [f"{path}: expected {expected}, got {type(value).__name__} {value!r}"]
    problems = []
    if expected == "array":
        for i, item in enumerate(value):
            problems += mismatches(schema["items"], item, f"{path}[{i}]")
    elif expected == "object":
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{path}.{key}: missing (the extension requires it)")
        for key, item in value.items():
            if key in properties:
                problems += mismatches(properties[key], item, f"{path}.{key}")
            elif extra is False:
                problems.append(f"{path}.{key}: not declared in extension/src/core/payloads.ts")
            elif isinstance(extra, dict):
                problems += mismatches(extra, item, f"{path}.{key}")
    return problems


def plain(value: Any) -> Any:
    """pygls hands unknown notification params over as namedtuples: back to JSON values."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def test_the_checker_catches_what_the_extension_would_miss():
    explain = SCHEMA["payloads"]["codecoach.explain"]
    assert mismatches(explain, {"markdown": "x", "rules": ["CC102"]}) == []
    assert mismatches(explain, {"markdown": "x", "rule": "CC102"}) == [
        "$.rules: missing (the extension requires it)", "$.rule: not declared in extension/src/core/payloads.ts"]
    assert mismatches(explain, {"markdown": 1, "rules": [True]}) == [
        "$.markdown: expected string, got int 1", "$.rules[0]: expected string, got bool True"]
    status = SCHEMA["payloads"]["codecoach/status"]
    assert mismatches(status["properties"]["callsLeftToday"], None) == []
    assert mismatches(status["properties"]["callsLeftToday"], "many")


@pytest.fixture
async def learner():
    """A real server on a history of two days, with the lesson open (mistakes CC201 and CC102)."""
    env = isolated_env()
    memory = Memory.open(env["CODECOACH_DATA_DIR"], embedder=NoIndex(), consolidate_every=None)
    lines = LESSON.splitlines(keepends=True)
    memory.record_shown("/payloads/old.py", [finding("CC303", line=1), finding("CC102", line=2)], lines)
    memory.record_fixed("/payloads/old.py", [finding("CC303", line=1)])
    memory.record_concepts("/payloads/old.py", {"loops": 2, "lists": 1}, clean=False, flagged={"lists"})
    assert memory.flush(30, index=False)
    memory.close(index=False)
    client = await config(env).start()
    await initialize(client, vscode_capabilities(), FAST)
    open_document(client, URI, LESSON)
    diagnostics = await diagnostics_for(client, URI, 1)
    yield client, diagnostics
    await client.shutdown_session()
    await client.stop()


async def run(client, command: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command, arguments=list(arguments)))


async def test_every_payload_has_exactly_the_declared_fields(learner):
    client, diagnostics = learner
    [mistake] = [d for d in diagnostics if d.code == "CC102"]
    where = {"uri": URI, "range": {"start": {"line": mistake.range.start.line, "character": 0},
                                   "end": {"line": mistake.range.end.line, "character": 20}}}
    clean = {"uri": URI, "range": {"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 16}}}
    answers = {
        "codecoach.showSummary": [await run(client, "codecoach.showSummary", {"period": "day"}),
                                  await run(client, "codecoach.showSummary", {"period": "week"})],
        "codecoach.showInsights": [await run(client, "codecoach.showInsights")],
        "codecoach.showRecommendations": [await run(client, "codecoach.showRecommendations"),
                                          await run(client, "codecoach.showRecommendations", {"concept": "comparisons"})],
        "codecoach.explain": [await run(client, "codecoach.explain", where), await run(client, "codecoach.explain", clean)],
        "codecoach.feedback": [await run(client, "codecoach.feedback", {"rule": "CC102", "helpful": True})],
        "codecoach.disableRule": [await run(client, "codecoach.disableRule", {"rule": "CC201"})],
        "codecoach/status": [plain(s) for s in client.statuses],
    }
    assert set(answers) == set(SCHEMA["payloads"]), "every declared payload is checked here"
    for name, results in answers.items():
        assert results, f"{name}: no answer to check"
        for result in results:
            assert mismatches(SCHEMA["payloads"][name], result, name) == [], json.dumps(result)[:2000]
    # The answers carry content, so the check above looked at real fields, not empty lists.
    summary, insights = answers["codecoach.showSummary"][0], answers["codecoach.showInsights"][0]
    assert len(summary["hours"]) == 24 and summary["concepts"]
    assert insights["files"][0]["openConfusion"] and insights["workspace"]["topicDifficulty"]
    assert answers["codecoach.showRecommendations"][0]["items"]
    assert answers["codecoach.explain"][0]["rules"] == ["CC102"] and answers["codecoach.explain"][1]["concepts"]


async def test_code_actions_name_the_declared_commands_with_their_arguments(learner):
    """The extension runs each Quick Fix as a client command with the server's argument."""
    client, diagnostics = learner
    for diagnostic in diagnostics:
        actions = await client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=URI), range=diagnostic.range,
            context=lsp.CodeActionContext(diagnostics=[diagnostic])))
        assert actions
        for action in actions:
            command = action.command if not isinstance(action.command, str) else None
            # pytest-lsp leaves a CodeAction's command as its repr (see test_server.command_of).
            name, arguments = (command.command, command.arguments) if command else _parse(action.command)
            assert name in SCHEMA["codeActionArguments"], f"{action.title}: {name} is not declared"
            assert len(arguments) == 1
            assert mismatches(SCHEMA["codeActionArguments"][name], plain(arguments[0]), name) == []


def _parse(text: str) -> tuple[str, list]:
    value = ast.literal_eval(text)
    return value["command"], value["arguments"]
