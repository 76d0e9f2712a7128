"""The server's settings table is the one source: the extension's contributions and docs follow it.

Every server setting must be contributed by the VS Code extension under the
key the table names, with the same default and bounds, and mapped to the
server's name in extension/src/core/settings.ts (SERVER_NAMES); every one is
documented in docs/settings.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from codecoach.config import SETTINGS, describe

ROOT = Path(__file__).resolve().parent.parent
PROPERTIES = json.loads((ROOT / "package.json").read_text())["contributes"]["configuration"]["properties"]


def server_names_in_the_extension() -> dict[str, str]:
    source = (ROOT / "extension" / "src" / "core" / "settings.ts").read_text()
    block = source[source.index("export const SERVER_NAMES"):]
    block = block[: block.index("};")]
    return dict(re.findall(r"'?([\w.]+)'?:\s*'(\w+)'", block))


def test_every_server_setting_is_contributed_with_its_default_and_bounds() -> None:
    problems = []
    for row in describe():
        prop = PROPERTIES.get(f"codecoach.{row['vscode']}")
        if prop is None:
            problems.append(f"codecoach.{row['vscode']} ({row['name']}) is not contributed in package.json")
            continue
        if prop.get("default") != row["default"]:
            problems.append(f"codecoach.{row['vscode']}: default {prop.get('default')!r} != server {row['default']!r}")
        for bound in ("minimum", "maximum"):
            if bound in row and prop.get(bound) != row[bound]:
                problems.append(f"codecoach.{row['vscode']}: {bound} {prop.get(bound)!r} != server {row[bound]!r}")
        if "enum" in row and prop.get("enum") != row["enum"]:
            problems.append(f"codecoach.{row['vscode']}: enum {prop.get('enum')} != server {row['enum']}")
        if not (prop.get("description") or prop.get("markdownDescription")):
            problems.append(f"codecoach.{row['vscode']} has no description")
    assert problems == []


def test_the_extension_maps_each_vscode_key_to_the_server_name() -> None:
    assert server_names_in_the_extension() == {s.vscode: s.name for s in SETTINGS}


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text()
    assert [s.name for s in SETTINGS if f"`{s.name}`" not in doc] == []


def test_the_guard_can_fail() -> None:
    assert server_names_in_the_extension(), "SERVER_NAMES was not found in settings.ts"
    assert len(describe()) == len(SETTINGS) >= 20
