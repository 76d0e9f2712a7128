"""An occurrence is an identity: the same unfixed mistake is recorded once, across edits,
reopened files and new processes on the same data folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from memtools import DAY

from codecoach.analysis.engine import Analyzer
from codecoach.analysis.findings import split_lines
from codecoach.coach import Coach, remember_shown
from codecoach.services.summary import summary

ANALYZER = Analyzer()

# Four mistakes: `is` with a literal, `== None`, a bare except, a loop that removes from its list.
GRADES = (
    "def check(grades):\n"
    "    if grades == None:\n"
    "        return 0\n"
    "    for g in grades:\n"
    "        if g < 0:\n"
    "            grades.remove(g)\n"
    "    try:\n"
    "        return sum(grades) / len(grades)\n"
    "    except:\n"
    "        pass\n"
    "\n"
    "answer = input('Ready? ')\n"
    "if answer is 'yes':\n"
    "    print(check([3, 4]))\n"
)


def analyzed(text: str):
    analysis = ANALYZER.analyze(text)
    return analysis, split_lines(text)


def remember(mem, file: str, text: str) -> list[str]:
    """What one settled look at a file records (as the server and `analyze --remember` do)."""
    analysis, lines = analyzed(text)
    return remember_shown(mem, file, analysis.findings, lines, analysis)


def db_count(data: Path, sql: str) -> int:
    with sqlite3.connect(data / "events.sqlite3") as db:
        return db.execute(sql).fetchone()[0]


def test_the_grades_program_has_four_mistakes() -> None:
    analysis, _ = analyzed(GRADES)
    assert sorted(f.rule_id for f in analysis.findings) == ["CC102", "CC103", "CC303", "CC502"]


def test_a_mistake_still_there_when_a_new_process_opens_is_the_same_occurrence(open_memory, tmp_path, clock):
    data = tmp_path / "data"
    first = open_memory(data)
    opened = remember(first, "/w/grades.py", GRADES)
    assert len(opened) == 4
    assert first.close()

    clock.advance(120)  # two minutes later, a new editor session on the same folder
    second = open_memory(data)
    assert remember(second, "/w/grades.py", GRADES) == []
    assert second.flush(30, index=False)
    assert second.counts()["shown"] == 4
    assert db_count(data, "SELECT count(DISTINCT ts) FROM concept_uses") == 1  # one observation, not two
    analysis, _ = analyzed(GRADES)
    assert {second.occurrence_id("/w/grades.py", f) for f in analysis.findings} == set(opened)
    assert db_count(data, "SELECT count(*) FROM sessions WHERE events > 0") == 1


def test_moved_and_reformatted_lines_keep_their_occurrence_and_new_code_is_new(open_memory, tmp_path, clock):
    data = tmp_path / "data"
    mem = open_memory(data)
    assert len(remember(mem, "/w/grades.py", GRADES)) == 4
    clock.advance(60)
    moved = "# grades\n\n\n" + GRADES.replace("if grades == None:", "if grades==None :  # empty?")
    assert remember(mem, "/w/grades.py", moved) == []
    mem.close()
    # The line moved and was respaced and commented: still the same occurrence after a restart.
    again = open_memory(data)
    assert remember(again, "/w/grades.py", moved) == []
    # Different code on the line (another name) is another mistake.
    renamed = moved.replace("answer is 'yes'", "reply is 'yes'").replace("answer =", "reply =")
    new = remember(again, "/w/grades.py", renamed)
    assert again.flush(30, index=False)
    (row,) = again.events("shown", rule="CC102")[:1]
    assert new == [row["id"]] and "reply is 'yes'" in row["region"]


def test_reopening_a_file_through_the_coach_records_nothing_new(tmp_path, monkeypatch):
    data = tmp_path / "coach-data"
    monkeypatch.setenv("CHROMA_DB_PATH", str(tmp_path / "coach-chroma"))
    coach = Coach(data_dir=str(data))
    try:
        for _ in range(2):  # open, look, pause, close; then the same again
            coach.open_document("/w/grades.py")
            coach.published("/w/grades.py", coach.analyze("/w/grades.py", GRADES, 1, _prefs()))
            coach.settle("/w/grades.py")
            coach.close_document("/w/grades.py")
        assert coach.memory is not None and coach.memory.flush(30, index=False)
        assert coach.memory.counts()["shown"] == 4
    finally:
        coach.close()


def test_a_fix_found_at_a_pause_points_at_the_occurrence_it_fixed(tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMA_DB_PATH", str(tmp_path / "coach-chroma"))
    coach = Coach(data_dir=str(tmp_path / "coach-data"))
    try:
        coach.open_document("/w/grades.py")
        for version, text in enumerate((GRADES, GRADES.replace("answer is 'yes'", "answer == 'yes'")), 1):
            coach.published("/w/grades.py", coach.analyze("/w/grades.py", text, version, _prefs()))
            coach.settle("/w/grades.py")  # the new list first, then the fixes of the same pause
        memory = coach.memory
        assert memory is not None and memory.flush(30, index=False)
        (fix,) = memory.events("fixes")
        (shown,) = memory.events("shown", rule="CC102")
        assert fix["rule"] == "CC102" and fix["shown_id"] == shown["id"]
    finally:
        coach.close()


def _prefs():
    from codecoach.analysis.document import Preferences

    return Preferences()


def test_a_fixed_mistake_that_comes_back_is_met_before_and_one_still_there_never(open_memory, clock):
    mem = open_memory()
    file = "/w/marks.py"
    broken = "score = None\nif score == None:\n    score = 0\ntotal = None\nif total == None:\n    total = 0\n"
    analysis, lines = analyzed(broken)
    score_check, total_check = sorted(analysis.findings, key=lambda f: f.span.start.line)
    (first_score,) = mem.record_shown(file, [score_check], lines)
    clock.advance(DAY)
    mem.record_fixed(file, [score_check])  # fixed ...
    clock.advance(DAY)
    both = mem.record_shown(file, analysis.findings, lines)  # ... and back, with a second one
    assert len(both) == 2 and first_score not in both
    assert mem.occurrence_id(file, total_check) in both
    assert mem.flush(60)
    past = mem.similar_struggles(score_check, "if score == None:", 5, file=file)
    # The fixed one is "before"; the two still on screen in this file are not.
    assert [s.event_id for s in past] == [first_score]
    # In another file, the mistakes open in marks.py are met before.
    elsewhere = {s.event_id for s in mem.similar_struggles(score_check, "if score == None:", 5, file="/w/new.py")}
    assert set(both) <= elsewhere


def test_a_file_that_does_not_parse_closes_nothing(open_memory, tmp_path):
    mem = open_memory()
    assert len(remember(mem, "/w/grades.py", GRADES)) == 4
    half_typed = GRADES.replace("print(check([3, 4]))", "print(check([3, 4])")
    new = remember(mem, "/w/grades.py", half_typed)
    assert len(new) == 1  # the syntax error is the only new thing
    assert remember(mem, "/w/grades.py", GRADES) == []  # repaired: the four are still the same four
    assert mem.flush(30, index=False)
    assert mem.counts()["shown"] == 5


def test_identical_mistakes_on_identical_lines_are_separate_occurrences(open_memory):
    mem = open_memory()
    twice = "x = None\nif x == None:\n    pass\nif x == None:\n    pass\n"
    assert len(remember(mem, "/w/twice.py", twice)) == 2
    once = "x = None\nif x == None:\n    pass\n"
    assert remember(mem, "/w/twice.py", once) == []  # one went away; the other is still the same
    assert len(remember(mem, "/w/twice.py", twice)) == 1  # the second copy is back: new


def test_forget_file_state_starts_the_file_over_even_in_a_new_process(open_memory, tmp_path):
    data = tmp_path / "data"
    mem = open_memory(data)
    assert len(remember(mem, "/w/grades.py", GRADES)) == 4
    mem.forget_file_state("/w/grades.py")
    assert mem.close()
    again = open_memory(data)
    assert len(remember(again, "/w/grades.py", GRADES)) == 4


def test_summary_counts_are_unchanged_after_a_restart_on_unchanged_code(open_memory, tmp_path, clock):
    data = tmp_path / "data"
    first = open_memory(data)
    remember(first, "/w/grades.py", GRADES)
    assert first.flush(30, index=False)
    before = summary(first)
    assert before["totals"]["findings"] == 4 and before["totals"]["sessions"] == 1
    assert first.close()

    clock.advance(600)
    second = open_memory(data)
    second.start_session()  # as `analyze --remember` does: a session in which nothing new happens
    remember(second, "/w/grades.py", GRADES)
    assert second.flush(30, index=False)
    after = summary(second)
    for part in ("totals", "concepts", "topStruggles", "days"):
        assert after[part] == before[part], part
    assert db_count(data, "SELECT count(*) FROM sessions") == 2  # it exists, but it does not count


def test_forgetting_before_a_date_forgets_the_open_occurrences_it_covers(open_memory, tmp_path, clock):
    data = tmp_path / "data"
    mem = open_memory(data)
    remember(mem, "/w/old.py", GRADES)
    clock.advance(10 * DAY)
    remember(mem, "/w/new.py", GRADES)
    assert mem.flush(30, index=False)
    mem.forget(before=clock() - DAY)
    assert db_count(data, "SELECT count(DISTINCT file) FROM open_occurrences") == 1
    # What was forgotten starts over; what was kept continues.
    assert len(remember(mem, "/w/old.py", GRADES)) == 4
    assert remember(mem, "/w/new.py", GRADES) == []
