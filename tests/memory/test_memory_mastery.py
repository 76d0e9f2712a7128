"""Concept mastery transitions on scripted histories, and "what changed"."""

from __future__ import annotations

from memtools import DAY, NONE_MSG, make_finding

from codecoach.analysis.concepts import TAXONOMY
from codecoach.memory.mastery import PREREQUISITES, ConceptTracker, Evidence, Observation, State

T0 = 1_750_000_000.0


def _run(steps: list[tuple[float, Evidence, str]]) -> ConceptTracker:
    t = ConceptTracker("loops")
    for day, kind, session in steps:
        t.observe(Observation(T0 + day * DAY, kind, session))
    return t


def test_unseen_introduced_practicing_mastered() -> None:
    t = ConceptTracker("loops")
    assert t.state is State.UNSEEN
    t.observe(Observation(T0, Evidence.CLEAN_USE, "s1"))
    assert t.state is State.INTRODUCED
    t.observe(Observation(T0 + 60, Evidence.CLEAN_USE, "s1"))
    assert t.state is State.INTRODUCED  # the same session twice is not practice
    t.observe(Observation(T0 + DAY, Evidence.CLEAN_USE, "s2"))
    assert t.state is State.PRACTICING
    t.observe(Observation(T0 + 2 * DAY, Evidence.CLEAN_USE, "s3"))
    assert t.state is State.MASTERED  # clean on 3 distinct days, never a finding
    assert [tr.after for tr in t.transitions] == [State.INTRODUCED, State.PRACTICING, State.MASTERED]


def test_struggling_improving_then_mastered_only_after_quiet_time() -> None:
    t = _run([
        (0, Evidence.CLEAN_USE, "s1"),
        (0.1, Evidence.FINDING, "s1"),
        (1, Evidence.FINDING, "s2"),           # 2 findings within 7 days
    ])
    assert t.state is State.STRUGGLING
    t.observe(Observation(T0 + 1.1 * DAY, Evidence.FIX, "s2"))
    assert t.state is State.IMPROVING
    t.observe(Observation(T0 + 1.2 * DAY, Evidence.FINDING, "s2"))
    assert t.state is State.STRUGGLING     # relapse
    for day, session in ((2, "s3"), (3, "s4")):
        t.observe(Observation(T0 + day * DAY, Evidence.CLEAN_USE, session))
    assert t.state is State.IMPROVING      # clean in 2 sessions since the last finding
    t.observe(Observation(T0 + 4 * DAY, Evidence.CLEAN_USE, "s5"))
    assert t.state is State.IMPROVING      # 3 clean days, but the finding was < 7 days ago
    t.observe(Observation(T0 + 9 * DAY, Evidence.CLEAN_USE, "s6"))
    assert t.state is State.MASTERED


def test_a_single_slip_after_mastery_is_practice_two_are_a_struggle() -> None:
    t = _run([(d, Evidence.CLEAN_USE, f"s{d}") for d in range(3)])
    assert t.state is State.MASTERED
    t.observe(Observation(T0 + 20 * DAY, Evidence.FINDING, "s9"))
    assert t.state is State.PRACTICING
    t.observe(Observation(T0 + 21 * DAY, Evidence.FINDING, "s10"))
    assert t.state is State.STRUGGLING


def test_findings_far_apart_are_not_a_struggle() -> None:
    t = _run([(0, Evidence.FINDING, "s1"), (10, Evidence.FINDING, "s2"), (20, Evidence.FINDING, "s3")])
    assert t.state is State.INTRODUCED


def test_prerequisite_graph_uses_taxonomy_slugs() -> None:
    for src, dst in PREREQUISITES:
        assert src in TAXONOMY and dst in TAXONOMY and src != dst


def test_mastery_from_recorded_events_and_changes_between_dates(open_memory, clock) -> None:
    mem = open_memory()
    start = clock()
    lines = ["if x == None:", "    pass"]
    # Week 1: "none" struggles (two findings), "loops" is used cleanly across sessions.
    mem.record_concepts("/w/a.py", {"loops": 2, "none": 1}, flagged={"none"})
    mem.record_shown("/w/a.py", [make_finding("CC103", NONE_MSG, 0, ("none",))], lines)
    clock.advance(DAY)
    mem.record_concepts("/w/b.py", {"loops": 1})
    mem.record_shown("/w/b.py", [make_finding("CC103", NONE_MSG, 0, ("none",))], lines)
    week1 = clock()
    # Week 2: the learner fixes it and uses `is None` cleanly.
    clock.advance(6 * DAY)
    f = make_finding("CC103", NONE_MSG, 0, ("none",))
    mem.record_fixed("/w/b.py", [f])
    clock.advance(DAY)
    mem.record_concepts("/w/c.py", {"loops": 1, "none": 1})
    assert mem.flush(30)

    now = mem.mastery()
    assert now["none"].state is State.IMPROVING and now["none"].findings == 2 and now["none"].fixes == 1
    assert now["loops"].state is State.MASTERED
    assert mem.mastery(at=week1)["none"].state is State.STRUGGLING
    assert mem.mastery(at=start - 1) == {}

    changes = {c.concept: c for c in mem.mastery_changes(since=week1, until=clock())}
    assert changes["none"].before is State.STRUGGLING and changes["none"].after is State.IMPROVING
    assert [tr.after for tr in changes["none"].transitions] == [State.IMPROVING]
    assert changes["loops"].after is State.MASTERED
    first_week = {c.concept: c.after for c in mem.mastery_changes(since=start - 1, until=week1)}
    assert first_week["none"] is State.STRUGGLING

    # Concept <-> struggle links and prerequisites from the graph in SQLite.
    assert len(mem.struggles_for_concept("none")) == 2
    assert "none" in mem.prerequisites("conditionals")
    assert mem.per_concept("shown") == {"none": 2} and mem.per_concept("fixed") == {"none": 1}
