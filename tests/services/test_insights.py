"""Insights: latest analysis per file (open documents or the event log) and for the workspace."""

from __future__ import annotations

import pytest

from codecoach.analysis.engine import Analyzer
from codecoach.services import Cancelled
from codecoach.services.insights import difficulty, insights

from .conftest import settle
from .seed import TODAY, at, finding

LINES = [f"line {i}" for i in range(40)]


def test_difficulty_scale():
    assert difficulty(0, 0) == difficulty(0, 50) == 1
    assert difficulty(1, 20) == 2  # 1/21
    assert difficulty(1, 5) == 3  # 1/9
    assert difficulty(1, 1) == difficulty(1, 0) == 3  # one slip is never more than a 3
    assert difficulty(2, 2) == 4  # 2/6
    assert difficulty(3, 0) == difficulty(5, 5) == 5


def test_files_from_the_event_log(memory):
    shop, grades = "/learner/shopping_list.py", "/learner/grades.py"
    memory.record_concepts(grades, {"conditionals": 2, "comparisons": 1}, at=at(TODAY, 9))
    memory.record_shown(grades, [finding("CC102", 4)], LINES, at=at(TODAY, 9.1))
    memory.record_concepts(shop, {"lists": 3, "loops": 2}, clean=False, flagged={"lists"}, at=at(TODAY, 10))
    cc303 = finding("CC303", 10)
    memory.record_shown(shop, [cc303, finding("CC201", 2)], LINES, at=at(TODAY, 10.1))
    memory.record_fixed(shop, [cc303], at=at(TODAY, 10.5))
    memory.forget_file_state(shop)
    memory.record_shown(shop, [finding("CC303", 12)], LINES, at=at(TODAY, 11))  # the same mistake again
    settle(memory)

    data = insights(memory)
    assert [f["file"] for f in data["files"]] == [shop, grades]  # most recent first
    s = data["files"][0]
    assert s["topics"] == ["Lists", "Loops"]
    assert s["keyMistakes"][0]["rule"] == "CC303" and s["keyMistakes"][0]["count"] == 2
    assert {m["rule"] for m in s["keyMistakes"]} == {"CC303", "CC201"}
    # Open: what was shown in the file's latest session and not fixed (the first CC303 was).
    assert [(p["rule"], p["line"]) for p in s["openConfusion"]] == [("CC201", 3), ("CC303", 13)]
    assert s["difficulty"] == difficulty(2, 5) == 3 and s["uses"] == 5
    assert s["source"] == "history" and s["lastAnalysis"].startswith(TODAY.isoformat())

    ws = data["workspace"]
    assert ws["keyMistakes"][0] == {"rule": "CC303", "message": finding("CC303").message, "count": 2}
    topics = {t["concept"]: t for t in ws["topicDifficulty"]}
    assert topics["lists"] == {"concept": "lists", "label": "Lists", "difficulty": difficulty(2, 1),
                               "struggles": 2, "uses": 1}
    assert topics["conditionals"]["difficulty"] == 1
    assert ws["topicDifficulty"][0]["difficulty"] >= ws["topicDifficulty"][-1]["difficulty"]
    assert set(ws["topics"]) == {"Lists", "Loops", "Conditionals", "Comparisons"}
    assert "struggles / (uses + 4)" in ws["difficultyNote"]


def test_open_documents_come_first_with_their_current_findings(memory):
    source = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n\nif 1 is 1:\n    pass\n"
    analysis = Analyzer().analyze(source)
    memory.record_shown("/learner/old.py", [finding("CC502", 1)], LINES, at=at(TODAY, 8))
    settle(memory)
    data = insights(memory, open_reports={"/learner/new.py": analysis})
    first = data["files"][0]
    assert first["file"] == "/learner/new.py" and first["source"] == "open"
    rules = sorted(f.rule_id for f in analysis.findings)
    assert sorted(p["rule"] for p in first["openConfusion"]) == rules
    assert {p["line"] for p in first["openConfusion"]} == {f.span.start.line + 1 for f in analysis.findings}
    assert first["topics"] and first["keyMistakes"]
    assert data["files"][1]["file"] == "/learner/old.py"
    ws_rules = {m["rule"] for m in data["workspace"]["keyMistakes"]}
    assert set(rules) <= ws_rules and "CC502" in ws_rules

    alone = insights(None, open_reports={"/learner/new.py": analysis}, now=at(TODAY, 12))
    assert [f["file"] for f in alone["files"]] == ["/learner/new.py"]


def test_empty_and_cancelled(memory):
    data = insights(memory)
    assert data["files"] == [] and data["workspace"]["keyMistakes"] == []
    assert data["workspace"]["lastAnalysis"] is None
    with pytest.raises(Cancelled):
        insights(memory, cancelled=lambda: True)


def test_each_file_lists_its_own_message_for_a_rule(memory):
    """Seen in `make run`: recursion.py's key mistakes showed shopping_list.py's message for the same rule."""
    shop, recursion, open_file = "/learner/shopping_list.py", "/learner/recursion.py", "/learner/open.py"
    memory.record_shown(recursion, [finding("CC701", 3, "`text.upper()` returns a new string")], LINES,
                        at=at(TODAY, 9))
    memory.record_shown(shop, [finding("CC701", 5, "`name.strip()` returns a new string")], LINES, at=at(TODAY, 10))
    memory.record_shown(open_file, [finding("CC701", 1, "an old message of the open file")], LINES, at=at(TODAY, 8))
    settle(memory)
    now_in_code = finding("CC701", 2, "`word.lower()` returns a new string")

    class Open:  # an open document: what the editor shows now
        findings = [now_in_code]
        concepts = {"strings": 1}

    data = insights(memory, open_reports={open_file: Open()})
    by_file = {f["file"]: {m["rule"]: m["message"] for m in f["keyMistakes"]} for f in data["files"]}
    assert by_file[recursion]["CC701"] == "`text.upper()` returns a new string"
    assert by_file[shop]["CC701"] == "`name.strip()` returns a new string"
    assert by_file[open_file]["CC701"] == "`word.lower()` returns a new string"  # the code now, not its history
    # The workspace names the rule's newest message of any file.
    assert data["workspace"]["keyMistakes"][0]["message"] == "`name.strip()` returns a new string"
