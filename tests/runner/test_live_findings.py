"""Example findings in a live document: merged into the report the way cloud findings are,
carried along their lines until the next run replaces them, under the user's rule settings,
and remembered (a failing example that passes at the next pause is a fix).

The Coach tests run the real sandboxed worker on real files in a temporary folder.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from codecoach.analysis.document import DocumentSession, Preferences, follow_numbers, merge_examples
from codecoach.analysis.engine import Analyzer
from codecoach.analysis.findings import Finding, Severity, Source, Span, split_lines
from codecoach.coach import Coach
from codecoach.config import Settings
from codecoach.runner import RULES, PrintedValue
from codecoach.runner.display import RunOutput, printed_hints, printed_section

AVERAGE = '''\
def average(xs):
    """
    >>> average([1, 2, 3])
    2.0
    """
    total = 0
    for i in range(1, len(xs)):
        total += xs[i]
    return total / len(xs)
'''
DOCTEST = 2  # 0-based line of `>>> average([1, 2, 3])`
FIXED = AVERAGE.replace("range(1, len(xs))", "range(len(xs))")


def example(line: int, rule: str = "CC801", message: str = "`average([1, 2, 3])` returned 1.67, expected 2.0",
            lines: list[str] | None = None) -> Finding:
    text = (lines or split_lines(AVERAGE))[line]
    indent = len(text) - len(text.lstrip())
    found = RULES[rule]
    return Finding(rule, Span.of(line, indent, line, len(text.rstrip())), found.severity, message,
                   found.explanation(), (found.concept,), Source.EXAMPLES)


def session_with(text: str) -> tuple[DocumentSession, object]:
    session = DocumentSession("/w/average.py", Analyzer())
    report = session.analyze(text, 1, Preferences(), 0.0)
    session.commit(report)
    return session, report


def codes(report) -> list[tuple[str, int]]:
    return [(f.rule_id, f.span.start.line) for f in report.findings]


# -- merging and carrying ---------------------------------------------------------------------


def test_example_findings_follow_their_lines_until_the_next_run_replaces_them() -> None:
    session, report = session_with(AVERAGE)
    session.set_examples("/w/average.py", [example(DOCTEST)], split_lines(AVERAGE))
    assert ("CC801", DOCTEST) in codes(session.with_examples(report, Preferences()))

    # The learner types two lines above: the finding moves with its line.
    moved_text = "import math\n\n" + AVERAGE
    moved = session.analyze(moved_text, 2, Preferences(), 1.0)
    assert ("CC801", DOCTEST + 2) in codes(session.with_examples(moved, Preferences()))

    # The line itself changed: the finding is gone (it was about text that is not there).
    rewritten = AVERAGE.replace(">>> average([1, 2, 3])", ">>> average([4])")
    assert not [f for f in session.with_examples(session.analyze(rewritten, 3, Preferences(), 2.0),
                                                 Preferences()).findings if f.source is Source.EXAMPLES]

    # The next run replaces them (here: everything passes).
    session.set_examples("/w/average.py", [], split_lines(FIXED))
    assert session.with_examples(moved, Preferences()) is moved


def test_findings_of_different_runs_are_kept_apart_and_not_repeated() -> None:
    session, report = session_with(AVERAGE)
    session.set_examples("/w/average.py", [example(DOCTEST)], split_lines(AVERAGE))
    session.set_examples("/w/other.py", [example(DOCTEST), example(0, "CC805", "IndexError")], split_lines(AVERAGE))
    assert codes(session.with_examples(report, Preferences())).count(("CC801", DOCTEST)) == 1
    session.set_examples("/w/other.py", [], split_lines(AVERAGE))  # the other run now passes
    assert codes(session.with_examples(report, Preferences())) == [("CC801", DOCTEST)]


def test_an_offline_rule_on_the_same_line_wins() -> None:
    rule = Finding("CC307", Span.of(6, 4, 6, 30), Severity.WARNING, "a rule", RULES["CC801"].explanation(), (),
                   Source.RULES)
    behaviour = replace(rule, rule_id="CC701", source=Source.BEHAVIOUR, span=Span.of(2, 0, 2, 1))
    merged = merge_examples([rule, behaviour], [example(6, "CC813", "still running"), example(DOCTEST)])
    assert [(f.rule_id, f.span.start.line) for f in merged] == [("CC701", 2), ("CC801", 2), ("CC307", 6)]


def test_disabled_rules_and_severities_apply_to_example_findings() -> None:
    session, report = session_with(AVERAGE)
    session.set_examples("/w/average.py", [example(DOCTEST)], split_lines(AVERAGE))
    assert not [f for f in session.with_examples(report, Preferences(disabled=frozenset({"CC801"}))).findings
                if f.source is Source.EXAMPLES]
    [found] = [f for f in session.with_examples(report, Preferences(severity={"CC801": Severity.HINT})).findings
               if f.source is Source.EXAMPLES]
    assert found.severity is Severity.HINT


def test_a_failing_example_that_passes_at_the_next_pause_is_a_fix_and_switching_off_is_not() -> None:
    session, report = session_with(AVERAGE)
    session.set_examples("/w/average.py", [example(DOCTEST)], split_lines(AVERAGE))
    session.commit(session.with_examples(report, Preferences()))
    _, new, fixed = session.settle()
    assert [f.rule_id for f in new] == ["CC801"] and fixed == []

    fixed_report = session.analyze(FIXED, 2, Preferences(), 1.0)
    session.set_examples("/w/average.py", [], split_lines(FIXED))  # the run on the fixed text passed
    session.commit(session.with_examples(fixed_report, Preferences()))
    _, new, fixed = session.settle()
    assert new == [] and [f.rule_id for f in fixed] == ["CC801"]

    # Failing again, then examples are switched off: the finding goes, but nothing was fixed.
    session.set_examples("/w/average.py", [example(DOCTEST)], split_lines(FIXED))
    session.commit(session.with_examples(fixed_report, Preferences()))
    session.settle()
    session.clear_examples()
    session.commit(session.with_examples(session.analyze(FIXED, 3, Preferences(), 2.0), Preferences()))
    _, _, fixed = session.settle()
    assert fixed == []


def test_printed_values_follow_their_lines_and_become_hints_at_the_end_of_the_line() -> None:
    script = 'print("naïve", 1)\nfor i in range(3):\n    print("i =", i)   \n'
    session, _ = session_with(script)
    session.set_printed([PrintedValue(0, "naïve 1", 1), PrintedValue(2, "i = 2", 3)], split_lines(script))
    moved = split_lines("# notes\n" + script)
    hints = printed_hints(session.printed(moved), moved)
    assert [(h.line, h.column, h.label) for h in hints] == [(1, len('print("naïve", 1)'), "naïve 1"),
                                                           (3, len('    print("i =", i)'), "i = 2 … ×3")]
    assert "the last of 3 times" in hints[1].tooltip
    assert session.printed(split_lines(script.replace('print("naïve", 1)', 'print("naive")'))) == [
        PrintedValue(2, "i = 2", 3)]


def test_follow_numbers_picks_the_nearest_copy_of_the_line_and_drops_blank_or_gone_lines() -> None:
    assert follow_numbers([0, 1, 2, 3], ["a\n", "b\n", "\n", "c\n"], ["x\n", "a\n", "b\n", "\n", "d\n"]) == [
        1, 2, None, None]
    # Two copies of the line now: the one nearest to where it was.
    assert follow_numbers([3], ["a\n", "\n", "\n", "b\n"], ["b\n", "\n", "\n", "\n", "b\n"]) == [4]


def test_a_printed_line_hover_shows_the_value_and_the_run_output_capped() -> None:
    output = "\n".join(f"line {n} ```" for n in range(40))
    text = printed_section(PrintedValue(3, "line 39 ```", 40), RunOutput(output, truncated=True), markdown=True)
    assert "**This line printed (the last of 40 times)**" in text
    assert "line 14 ```" in text and "line 15 ```" not in text  # 15 lines of output at most
    assert "(the beginning)" in text
    assert "````text" in text  # a fence the output's own backticks cannot close
    plain = printed_section(PrintedValue(0, "42", 1), RunOutput("42\n"), markdown=False)
    assert plain == "This line printed when your code last ran:\n\n    42"  # nothing more to show


# -- the Coach, with the real worker ---------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def open_in(coach: Coach, path: Path, version: int = 1) -> str:
    uri = path.as_uri()
    coach.open_document(uri)
    coach.published(uri, coach.analyze(uri, path.read_text(encoding="utf-8"), version))
    return uri


@pytest.fixture
def coach():
    made = Coach(remember=False, settings=Settings().updated({"examplesCpuSeconds": 1.0})[0])
    yield made
    made.close()


SEARCH = '''\
def search(target, values):
    for index in range(1, len(values)):
        if values[index] == target:
            return index
    return -1
'''
TEST_SEARCH = '''\
from search import search


def test_first():
    assert search(1, [1, 2]) == 0
'''


def test_a_test_file_runs_the_file_it_tests_and_both_documents_get_their_findings(coach, tmp_path) -> None:
    search = open_in(coach, write(tmp_path, "search.py", SEARCH))
    test = open_in(coach, write(tmp_path, "test_search.py", TEST_SEARCH))
    assert coach.examples_documents(test) == {test, search}
    run = coach.run_examples_live(test, TEST_SEARCH, 1)
    assert run.target == str(tmp_path / "search.py") and run.report.status == "ran"
    update = coach.set_examples(run)
    assert set(update.reports) == {search, test} and set(update.documents) == {search, test}
    on_test = [f for f in update.reports[test].findings if f.source is Source.EXAMPLES]
    assert [(f.rule_id, f.span.start.line) for f in on_test] == [("CC801", 4)]
    assert any(f.rule_id == "CC801" and "(test_search.py, line 5)" in f.message
               for f in update.reports[search].findings)
    for uri, report in update.reports.items():
        coach.published(uri, report)

    # The learner fixes search.py (not saved: the editor's text runs): both are cleared.
    fixed = SEARCH.replace("range(1, len(values))", "range(len(values))")
    coach.published(search, coach.with_examples(search, coach.analyze(search, fixed, 2)))
    update = coach.set_examples(coach.run_examples_live(search, fixed, 2))
    assert set(update.reports) == {search, test}
    assert not [f for r in update.reports.values() for f in r.findings if f.source is Source.EXAMPLES]


def test_a_run_that_did_not_run_changes_nothing(coach, tmp_path) -> None:
    uri = open_in(coach, write(tmp_path, "average.py", AVERAGE))
    coach.published(uri, coach.set_examples(coach.run_examples_live(uri, AVERAGE, 1)).reports[uri])
    shown = coach.last_report(uri)
    broken = AVERAGE + "def oops(:\n"
    run = coach.run_examples_live(uri, broken, 2)
    assert run.report.status == "not-runnable"
    assert coach.set_examples(run).reports == {}
    cancelled = coach.run_examples_live(uri, AVERAGE, 1, cancelled=lambda: True)
    assert cancelled.report.status == "cancelled" and coach.set_examples(cancelled).reports == {}
    assert coach.last_report(uri) is shown


def test_nothing_runs_and_no_worker_starts_when_examples_are_off(tmp_path) -> None:
    coach = Coach(remember=False, settings=Settings().updated({"runExamples": False})[0])
    try:
        uri = open_in(coach, write(tmp_path, "average.py", AVERAGE))
        coach.prepare_examples()
        assert coach.run_examples_live(uri, AVERAGE, 1) is None
        assert not coach._examples.started  # not even built
        assert coach.printed_hints(uri) == []
    finally:
        coach.close()


def test_a_document_that_is_not_a_file_on_disk_never_runs(coach) -> None:
    coach.open_document("untitled:Untitled-1")
    assert coach.run_examples_live("untitled:Untitled-1", "print(1)\n", 1) is None
    assert not coach._examples.started


def test_closing_the_runner_stops_a_spinning_run_and_nothing_runs_after(tmp_path) -> None:
    import threading
    import time

    from codecoach.runner import ExampleRunner

    from .conftest import QuickSettings

    path = write(tmp_path, "spin.py", "while True:\n    pass\n")
    runner = ExampleRunner()
    runner.start()
    worker = runner.worker_pid
    reports = []
    thread = threading.Thread(target=lambda: reports.append(
        runner.run(path, path.read_text(), settings=QuickSettings(examplesCpuSeconds=10.0))))
    thread.start()
    while not any(_parent_of(p) == worker for p in Path("/proc").glob("[0-9]*")):  # the run's child is up
        assert thread.is_alive()
        time.sleep(0.01)
    runner.close(timeout=0.5)
    thread.join(10)
    assert not thread.is_alive() and reports[0].status in ("cancelled", "failed")
    assert not Path(f"/proc/{worker}").exists() or _parent_of(Path(f"/proc/{worker}")) is None
    after = runner.run(path, "print(1)\n", settings=QuickSettings())
    assert after.status == "cancelled" and runner.worker_pid is None  # closed for good: no new worker


def _parent_of(proc: Path) -> int | None:
    try:
        text = (proc / "stat").read_text()
        if text.rsplit(")", 1)[1].split()[0] == "Z":
            return None  # a zombie is gone, only not yet reaped
        return int(text.rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None
