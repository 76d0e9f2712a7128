"""Recommendations: ranking by recency and frequency, rotation, concept filter, feedback, tailoring."""

from __future__ import annotations

import json

import pytest

from codecoach.services import Cancelled
from codecoach.services.recommend import recommendations

from .conftest import settle
from .seed import TODAY, at, finding

LINES = [f"line {i}" for i in range(40)]
NOW = at(TODAY, 18.0)
DAY = 86_400.0


def shown(memory, file, rule, ts, line=0):
    memory.record_shown(file, [finding(rule, line)], LINES, at=ts)
    memory.forget_file_state(file)


def ids(data):
    return [i["id"] for i in data["items"]]


def test_recent_beats_old_and_frequent_beats_rare(memory):
    for n in range(5):
        shown(memory, "/l/old.py", "CC502", NOW - 20 * DAY + n * 60)  # 5 times, 20 days ago
    shown(memory, "/l/shopping_list.py", "CC303", NOW - 3600)
    for n in range(3):
        shown(memory, "/l/text.py", "CC701", NOW - 7200 + n * 60)  # 3 times today
    settle(memory)
    data = recommendations(memory, remember=False)
    rules = [i["rule"] for i in data["items"]]
    assert rules[0] == "CC701"
    assert rules.index("CC303") < rules.index("CC502")
    for item in data["items"]:
        assert set(item) >= {"title", "url", "why", "concept", "rule"} and item["url"].startswith("https://")
    assert len({i["url"] for i in data["items"]}) == len(data["items"])
    top = data["items"][0]
    assert top["why"].startswith("You hit CC701 3 times today in text.py (")
    assert top["concept"] == "string-methods"
    old = next(i for i in data["items"] if i["rule"] == "CC502")
    assert "5 times in the last 20 days in old.py" in old["why"]


def test_rotation_then_return(memory):
    for n in range(3):
        shown(memory, "/l/shopping_list.py", "CC303", NOW - 3600 + n, line=n)
    settle(memory)
    first = recommendations(memory)  # remembered in <data dir>/recommendations.json
    second = recommendations(memory)
    assert ids(first)[0] != ids(second)[0], "what was just on top gives way"
    assert set(ids(first)) == set(ids(second))
    state = json.loads((memory.data_dir / "recommendations.json").read_text())
    assert len(state["recommended"]) == len(first["items"]) + len(second["items"])
    later = recommendations(memory, now=NOW + 6 * DAY, remember=False)
    assert ids(later)[0] == ids(first)[0], "after a few days the best item comes back"
    assert ids(recommendations(memory, remember=False)) == ids(recommendations(memory, remember=False))


def test_concept_filter(memory):
    shown(memory, "/l/a.py", "CC303", NOW - 3600)
    shown(memory, "/l/a.py", "CC701", NOW - 3000)
    settle(memory)
    lists = recommendations(memory, concept="lists", remember=False)
    assert lists["items"] and {i["concept"] for i in lists["items"]} == {"lists"}
    assert all(i["rule"] == "CC303" for i in lists["items"])
    quiet = recommendations(memory, concept="recursion", remember=False)
    assert quiet["items"] and {i["concept"] for i in quiet["items"]} == {"recursion"}
    assert quiet["items"][0]["why"].startswith("No recent mistakes with recursion")
    with pytest.raises(ValueError):
        recommendations(memory, concept="astrology")


def test_unhelpful_explanation_demotes_the_page_it_linked(memory):
    for n in range(2):
        shown(memory, "/l/loop.py", "CC305", NOW - 3600 + n, line=n)
    settle(memory)
    before = ids(recommendations(memory, concept="loops", remember=False))
    assert before == ["tut-for", "tut-break", "exercism-loops"]
    for n in range(2):
        memory.record_feedback("/l/loop.py", "CC305", False, at=NOW - 600 + n)
    settle(memory)
    after = ids(recommendations(memory, concept="loops", remember=False))
    assert after.index("tut-break") == 2  # CC305's docs link: the explanation that did not help


def test_tailor_is_interleaved_and_never_breaks_anything(memory):
    shown(memory, "/l/a.py", "CC303", NOW - 3600)
    settle(memory)
    plain = recommendations(memory, remember=False)
    contexts = []

    def tailor(items, context):
        contexts.append(context)
        return [{"title": "Mutating while iterating, visualised", "url": "https://pythontutor.com/",
                 "why": "Step through your loop and watch the list shrink.", "concept": "lists"},
                {"title": "no why", "url": "https://example.org/"}, {"title": "bad url", "why": "x", "url": "ftp://x"}]

    data = recommendations(memory, remember=False, tailor=tailor)
    assert data["items"][1]["source"] == "tailored" and data["items"][0] == plain["items"][0]
    assert sum(1 for i in data["items"] if i.get("source") == "tailored") == 1
    assert contexts[0]["struggles"][0]["rule"] == "CC303"

    def broken(items, context):
        raise RuntimeError("quota")

    assert recommendations(memory, remember=False, tailor=broken) == plain


def test_nothing_yet_or_only_practice(memory):
    assert recommendations(memory, remember=False) == {"items": []}
    memory.record_concepts("/l/a.py", {"loops": 3, "dicts": 1}, at=NOW - 3600)
    memory.record_concepts("/l/b.py", {"loops": 1}, at=NOW - 3000)
    settle(memory)
    data = recommendations(memory, remember=False)
    assert [i["concept"] for i in data["items"]] == ["loops", "dicts"]
    assert data["items"][0]["why"].startswith("You used loops twice this week.")
    with pytest.raises(Cancelled):
        recommendations(memory, cancelled=lambda: True)
