"""Learning summaries on a seeded event log: empty periods, one event, a month of history."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from codecoach.analysis.concepts import label
from codecoach.services import Cancelled
from codecoach.services.common import LEVELS
from codecoach.services.summary import resolve_period, streaks, summary

from .conftest import settle
from .seed import TODAY, at, finding, seed_month

KEYS = {"period", "from", "to", "totals", "streak", "days", "concepts", "masterySeries", "topStruggles",
        "improved", "narrative", "generatedBy"}


def check_shape(data: dict, days: int) -> None:
    assert KEYS <= set(data)
    assert set(data["totals"]) == {"activeMinutes", "files", "findings", "fixes", "sessions"}
    assert set(data["streak"]) == {"current", "longest"}
    assert len(data["days"]) == days
    assert [d["date"] for d in data["days"]] == sorted(d["date"] for d in data["days"])
    assert data["days"][0]["date"] == data["from"] and data["days"][-1]["date"] == data["to"]
    for d in data["days"]:
        assert set(d) == {"date", "activeMinutes", "findings", "fixes"}
    for c in data["concepts"]:
        assert set(c) == {"concept", "label", "practiced", "struggles", "mastery", "previousMastery"}
        assert c["mastery"] in LEVELS and c["previousMastery"] in LEVELS
    assert len(data["masterySeries"]) == days
    for point in data["masterySeries"]:
        assert all(0 <= v <= 5 for v in point["levels"].values())
    for t in data["topStruggles"]:
        assert set(t) == {"rule", "message", "concept", "count"}
    for i in data["improved"]:
        assert set(i) == {"concept", "label", "before", "after"} and i["after"] < i["before"]
    assert data["generatedBy"] in ("template", "gemini")
    assert data["narrative"].strip()
    for key in ("activeMinutes", "findings", "fixes"):
        assert data["totals"][key] == sum(d[key] for d in data["days"])


def test_an_empty_day_and_week_are_sensible(memory):
    day = summary(memory, period="day")
    check_shape(day, 1)
    assert (day["period"], day["from"], day["to"]) == ("day", TODAY.isoformat(), TODAY.isoformat())
    assert day["totals"] == {"activeMinutes": 0, "files": 0, "findings": 0, "fixes": 0, "sessions": 0}
    assert day["streak"] == {"current": 0, "longest": 0}
    assert day["concepts"] == day["topStruggles"] == day["improved"] == []
    assert day["narrative"].startswith("No coding recorded today.")
    assert day["generatedBy"] == "template"

    week = summary(memory, period="week")
    check_shape(week, 7)
    assert week["from"] == (TODAY - timedelta(days=6)).isoformat()
    assert week["narrative"].startswith("No coding recorded this week.")
    assert summary(None, period="week", today=TODAY)["totals"] == week["totals"]  # no memory at all


def test_a_single_event(memory):
    memory.record_shown("/learner/grades.py", [finding("CC102", 1)], ["x = 1", "if x is 'a':"], at=at(TODAY, 11))
    settle(memory)
    data = summary(memory, period="day")
    check_shape(data, 1)
    assert data["totals"] == {"activeMinutes": 1, "files": 1, "findings": 1, "fixes": 0, "sessions": 1}
    assert data["streak"] == {"current": 1, "longest": 1}
    [top] = data["topStruggles"]
    assert (top["rule"], top["concept"], top["count"]) == ("CC102", "comparisons", 1)
    [concept] = data["concepts"]
    assert concept == {"concept": "comparisons", "label": "Comparisons", "practiced": 0, "struggles": 1,
                       "mastery": "introduced", "previousMastery": "unseen"}
    assert data["masterySeries"] == [{"date": TODAY.isoformat(), "levels": {"comparisons": 1}}]
    text = data["narrative"]
    assert text.startswith("Today you coded for 1 minute in 1 session across 1 file (grades.py).")
    assert "one mistake, CC102 (Comparisons)" in text and "New to you: Comparisons" in text
    # The same event seen from the following day: an empty day, but the streak is alive.
    tomorrow = summary(memory, period="day", today=TODAY + timedelta(days=1))
    assert tomorrow["totals"]["findings"] == 0 and tomorrow["streak"] == {"current": 1, "longest": 1}
    assert "No coding recorded today" in tomorrow["narrative"] and "1-day streak" in tomorrow["narrative"]


@pytest.fixture
def month(memory):
    truth = seed_month(memory)
    settle(memory)
    return truth


def test_a_month_of_history_matches_the_seed(memory, month):
    first = TODAY - timedelta(days=29)
    data = summary(memory, start=first, end=TODAY)
    check_shape(data, 30)
    assert data["period"] == "range"
    for d in data["days"]:
        assert d["findings"] == month.shown_per_day.get(d["date"], 0)
        assert d["fixes"] == month.fixes_per_day.get(d["date"], 0)
        assert (d["activeMinutes"] > 0) == (date.fromisoformat(d["date"]) in month.active_days)
    assert data["totals"]["findings"] == sum(month.shown_per_day.values())
    assert data["totals"]["fixes"] == sum(month.fixes_per_day.values())
    assert data["totals"]["files"] == len(set().union(*month.files.values()))
    # Skipped 3, 4, 11 and 20 days ago: runs of 3 (today back), 6, 8 and 9 days.
    assert data["streak"] == {"current": 3, "longest": 9}
    practiced = Counter()
    for (day, concept), n in month.uses.items():
        practiced[concept] += n
    assert {c["concept"]: c["practiced"] for c in data["concepts"] if c["practiced"]} == dict(practiced)
    struggles = Counter()
    for (day, concept), n in month.shown_concept.items():
        struggles[concept] += n
    assert {c["concept"]: c["struggles"] for c in data["concepts"] if c["struggles"]} == dict(struggles)
    rules = Counter()
    for (day, rule), n in month.shown_rule.items():
        rules[rule] += n
    top = data["topStruggles"][0]
    assert top["rule"] == rules.most_common(1)[0][0] == "CC303" and top["count"] == rules["CC303"]
    last = data["masterySeries"][-1]["levels"]
    by_concept = {c["concept"]: c for c in data["concepts"]}
    assert all(LEVELS[by_concept[c]["mastery"]] == v for c, v in last.items())
    text = data["narrative"]
    assert "CC303" in text and "3-day streak (longest: 9 days)" in text
    most = max(practiced.values())
    assert any(label(c) in text for c, n in practiced.items() if n == most)


def test_week_improvement_is_against_the_week_before(memory, month):
    data = summary(memory, period="week")
    check_shape(data, 7)
    this, before = Counter(), Counter()
    for (day, concept), n in month.shown_concept.items():
        back = (TODAY - date.fromisoformat(day)).days
        if back <= 6:
            this[concept] += n
        elif back <= 13:
            before[concept] += n
    expected = {c: (before[c], this[c]) for c in before if this[c] < before[c]}
    assert expected, "the seed makes fewer mistakes lately"
    assert {i["concept"]: (i["before"], i["after"]) for i in data["improved"]} == expected
    best = data["improved"][0]
    assert f"{best['label']} ({best['before']} → {best['after']})" in data["narrative"]
    assert "Compared with the week before" in data["narrative"]


def test_narrator_is_used_and_falls_back_to_the_template(memory, month):
    seen = []

    def narrate(data):
        seen.append(data)
        return "A fine week of lists."

    data = summary(memory, period="week", narrate=narrate)
    assert (data["narrative"], data["generatedBy"]) == ("A fine week of lists.", "gemini")
    assert seen[0]["totals"] == data["totals"] and "narrative" not in seen[0]

    def broken(data):
        raise TimeoutError("no network")

    template = summary(memory, period="week")["narrative"]
    for bad in (broken, lambda d: None, lambda d: "  "):
        data = summary(memory, period="week", narrate=bad)
        assert (data["narrative"], data["generatedBy"]) == (template, "template")


def test_cancellation_between_steps(memory, month):
    with pytest.raises(Cancelled):
        summary(memory, period="week", cancelled=lambda: True)
    calls = []

    def later():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        summary(memory, period="week", cancelled=later)


def test_periods_and_streaks():
    assert resolve_period("week", today=TODAY) == ("week", TODAY - timedelta(days=6), TODAY)
    assert resolve_period("day", start=TODAY, today=TODAY)[0] == "range"
    with pytest.raises(ValueError, match="after it ends"):
        resolve_period(start=TODAY, end=TODAY - timedelta(days=1), today=TODAY)
    with pytest.raises(ValueError, match="unknown period"):
        resolve_period("month", today=TODAY)
    days = {TODAY - timedelta(days=n) for n in (1, 2, 5, 6, 7, 8)}
    assert streaks(days, TODAY, TODAY) == (2, 4)  # today not over yet: yesterday's run counts
    assert streaks(days, TODAY - timedelta(days=5), TODAY) == (4, 4)  # a past range: the run at its end
    assert streaks(set(), TODAY, TODAY) == (0, 0)


def test_a_day_is_also_given_by_hour(memory):
    """The Today chart draws hours: mistakes and fixes land in their local hour, a session's time
    is split over the hours it spans, and a week has no hourly rows."""
    lines = ["x = 1", "if x is 'a':"]
    memory.record_shown("/learner/a.py", [finding("CC102", 1)], lines, at=at(TODAY, 9.5))
    memory.record_shown("/learner/a.py", [finding("CC303", 0)], lines, at=at(TODAY, 9.75))
    memory.record_fixed("/learner/a.py", [finding("CC102", 1)], at=at(TODAY, 10.25))
    settle(memory)
    day = summary(memory, period="day")
    hours = day["hours"]
    assert [h["hour"] for h in hours] == list(range(24))
    assert {h["hour"]: h["findings"] for h in hours if h["findings"]} == {9: 2}
    assert {h["hour"]: h["fixes"] for h in hours if h["fixes"]} == {10: 1}
    active = {h["hour"]: h["activeMinutes"] for h in hours if h["activeMinutes"]}
    assert active == {9: 30, 10: 15}  # one session from 9:30 to 10:15
    assert sum(active.values()) == day["totals"]["activeMinutes"]
    assert summary(memory, period="week")["hours"] == []
