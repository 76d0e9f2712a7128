"""Consolidation with an injected clock, forget, and the query helpers for the services."""

from __future__ import annotations

from datetime import datetime

from memtools import DAY, EXCEPT_MSG, NONE_MSG, make_finding

LINES = ["total = None", "if total == None:", "    total = 0", "try:", "    go()", "except:", "    pass"]


def _session(mem, clock, file: str = "/w/grades.py") -> None:
    mem.record_concepts(file, {"none": 1, "exceptions": 1, "loops": 2}, flagged={"none", "exceptions"})
    mem.record_shown(file, [make_finding("CC103", NONE_MSG, 1, ("none",)),
                            make_finding("CC502", EXCEPT_MSG, 5, ("exceptions",))], LINES)
    clock.advance(120)
    mem.record_hover(file, make_finding("CC103", NONE_MSG, 1, ("none",)))
    clock.advance(120)
    mem.record_fixed(file, [make_finding("CC502", EXCEPT_MSG, 5, ("exceptions",))])


def test_idle_session_is_closed_summarized_and_indexed(open_memory, clock) -> None:
    mem = open_memory(idle_minutes=10)
    _session(mem, clock)
    sid = mem.session_id
    mem.close_idle_sessions(clock() + 5 * 60)  # not idle long enough
    assert mem.flush(30)
    assert mem.summaries() == [] and mem.session_id == sid

    mem.close_idle_sessions(clock() + 11 * 60)
    assert mem.flush(60)
    assert mem.session_id is None
    (session,) = mem.sessions()
    assert session["closed_by"] == "idle" and session["ended"] == clock() and session["summarized"] == 1
    (summary,) = mem.summaries()
    assert summary["source"] == "template"
    text = summary["text"]
    assert "grades.py" in text and "2 mistakes shown, 1 fixed" in text and "CC103" in text and "None" in text
    assert mem.index.count("summaries") == 1
    assert mem.similar_summaries("comparing with None", 1)[0][0] == text
    # Nothing is summarized twice.
    mem.close_idle_sessions(clock() + DAY)
    assert mem.flush(30)
    assert len(mem.summaries()) == 1


def test_activity_after_an_idle_gap_starts_a_new_session(open_memory, clock) -> None:
    mem = open_memory(idle_minutes=10)
    _session(mem, clock)
    first = mem.session_id
    clock.advance(3600)
    _session(mem, clock, "/w/other.py")
    assert mem.session_id != first
    mem.close_idle_sessions(clock() + 3600)
    assert mem.flush(60)
    assert [s["closed_by"] for s in mem.sessions()] == ["idle", "idle"]
    assert len(mem.summaries()) == 2


def test_injected_summarizer_and_its_failure(open_memory, clock) -> None:
    calls = []

    def summarize(digest):
        calls.append(digest)
        return f"LLM: {digest.findings} findings in {', '.join(digest.files)}"

    mem = open_memory(idle_minutes=10, summarize=summarize)
    _session(mem, clock)
    mem.close_idle_sessions(clock() + 3600)
    assert mem.flush(60)
    assert mem.summaries()[0]["text"] == "LLM: 2 findings in /w/grades.py"
    assert mem.summaries()[0]["source"] == "llm"
    assert calls[0].rules == {"CC103": 1, "CC502": 1}


def test_failing_summarizer_falls_back_to_the_template(open_memory, clock, tmp_path) -> None:
    def broken(digest):
        raise ConnectionError("no network")

    mem = open_memory(tmp_path / "other", idle_minutes=10, summarize=broken)
    _session(mem, clock)
    mem.close_idle_sessions(clock() + 3600)
    assert mem.flush(60)
    assert mem.summaries()[0]["source"] == "template"


def test_internal_timer_uses_the_injected_clock(open_memory, clock) -> None:
    mem = open_memory(idle_minutes=10, consolidate_every=0.05)
    _session(mem, clock)
    mem.end_session()
    clock.advance(3600)
    import time

    deadline = time.monotonic() + 30
    while not mem.summaries() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mem.summaries()) == 1


def test_forget_all_clears_log_and_index(open_memory, clock) -> None:
    mem = open_memory(idle_minutes=10)
    _session(mem, clock)
    mem.close_idle_sessions(clock() + 3600)
    assert mem.flush(60)
    assert mem.index.count("struggles") == 2 and mem.index.count("summaries") == 1
    event_log, index = mem.forget(all=True)
    assert event_log.removed["shown"] == 2 and event_log.removed["sessions"] == 1
    assert index.removed["records"] == 3
    assert all(n == 0 for n in mem.counts().values())
    assert mem.index.count("struggles") == 0 and mem.index.count("summaries") == 0
    assert mem.similar_struggles(make_finding("CC103", NONE_MSG, 1, ("none",)), "") == []
    # Still usable afterwards.
    _session(mem, clock)
    assert mem.flush(30) and mem.counts()["shown"] == 2


def test_forget_before_a_date(open_memory, clock) -> None:
    mem = open_memory(idle_minutes=10)
    _session(mem, clock, "/w/old.py")
    clock.advance(10 * DAY)
    cutoff = datetime.fromtimestamp(clock())
    _session(mem, clock, "/w/new.py")
    assert mem.flush(60)
    assert mem.index.count("struggles") == 4
    mem.forget(before=cutoff)
    assert set(mem.per_file("shown")) == {"/w/new.py"}
    assert mem.index.count("struggles") == 2
    hits = mem.similar_struggles(make_finding("CC103", NONE_MSG, 1, ("none",)), "if x == None:", 5)
    assert {h.file for h in hits} == {"/w/new.py"}


def test_query_helpers_for_the_services(open_memory, clock) -> None:
    mem = open_memory(idle_minutes=10)
    day1 = datetime.fromtimestamp(clock()).strftime("%Y-%m-%d")
    _session(mem, clock)
    clock.advance(DAY)
    day2 = datetime.fromtimestamp(clock()).strftime("%Y-%m-%d")
    _session(mem, clock, "/w/b.py")
    mem.record_feedback("/w/b.py", "CC103", helpful=False)
    mem.record_feedback("/w/b.py", "CC103", helpful=True)
    assert mem.flush(30)
    assert mem.per_day("shown") == {day1: 2, day2: 2}
    assert mem.per_day("fixes") == {day1: 1, day2: 1}
    assert mem.per_rule("shown") == {"CC103": 2, "CC502": 2}
    assert mem.per_file("hovers") == {"/w/b.py": 1, "/w/grades.py": 1}
    assert mem.per_concept("shown", since=clock() - 300) == {"exceptions": 1, "none": 1}
    active = mem.active_seconds_per_day()
    assert set(active) == {day1, day2} and all(abs(v - 240) < 1 for v in active.values())
    assert mem.feedback_counts() == {"CC103": (1, 1)}
    assert [e["file"] for e in mem.events("shown", concept="none")] == ["/w/b.py", "/w/grades.py"]


def test_the_session_template_counts_one_mistake_in_the_singular() -> None:
    from codecoach.memory.consolidate import SessionDigest, template_summary

    one = template_summary(SessionDigest("s", 0.0, 60.0, files=["a.py"], findings=1, rules={"CC103": 1},
                                         messages={"CC103": "m"}))
    assert "1 mistake shown" in one and "1 mistakes" not in one
    fixed = template_summary(SessionDigest("s", 0.0, 60.0, files=["a.py"], fixes=1))
    assert "1 earlier mistake fixed" in fixed
