"""Editing-behaviour hints: churn, recurrence and syntax streaks, without nagging."""

from codecoach.analysis.document import DocumentSession, Preferences
from codecoach.analysis.engine import Analyzer
from codecoach.analysis.signals import Edit, Thresholds

FUNCTION = "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return result\n"
PREFS = Preferences(thresholds=Thresholds(churn_edits=4, churn_window=180, syntax_streak=3, cooldown=600))


def ids(report):
    return [f.rule_id for f in report.findings]


def rewrite_bursts(session, line, start, count, gap):
    for i in range(count):
        session.record_edit(Edit(line, line, True, start + i * gap))


def test_rewriting_a_function_many_times_gives_one_churn_hint_at_its_def():
    session = DocumentSession("f.py", Analyzer())
    session.analyze(FUNCTION, 1, PREFS, now=0)
    rewrite_bursts(session, 3, start=10, count=4, gap=20)
    report = session.analyze(FUNCTION, 2, PREFS, now=90)
    [hint] = [f for f in report.findings if f.rule_id == "CC901"]
    assert hint.span.start.line == 0 and "`total`" in hint.message and "4 times" in hint.message


def test_typing_in_one_burst_is_not_churn():
    session = DocumentSession("f.py", Analyzer())
    session.analyze(FUNCTION, 1, PREFS, now=0)
    rewrite_bursts(session, 3, start=10, count=30, gap=0.2)  # one burst of backspaces
    assert "CC901" not in ids(session.analyze(FUNCTION, 2, PREFS, now=20))


def test_only_adding_code_is_not_churn():
    session = DocumentSession("f.py", Analyzer())
    session.analyze(FUNCTION, 1, PREFS, now=0)
    for i in range(10):
        session.record_edit(Edit(3, 3, False, 10 + i * 20))
    assert "CC901" not in ids(session.analyze(FUNCTION, 2, PREFS, now=220))


def test_churn_hint_is_not_repeated_within_the_cooldown():
    session = DocumentSession("f.py", Analyzer())
    session.analyze(FUNCTION, 1, PREFS, now=0)
    rewrite_bursts(session, 3, start=10, count=4, gap=20)
    assert "CC901" in ids(session.analyze(FUNCTION, 2, PREFS, now=90))
    # It fades after a while and does not come back before the cooldown ends...
    rewrite_bursts(session, 3, start=300, count=4, gap=20)
    assert "CC901" not in ids(session.analyze(FUNCTION, 3, PREFS, now=400))
    # ... but may after it.
    rewrite_bursts(session, 3, start=700, count=4, gap=20)
    assert "CC901" in ids(session.analyze(FUNCTION, 4, PREFS, now=790))


def test_a_mistake_that_comes_back_is_pointed_out():
    session = DocumentSession("f.py", Analyzer())
    bad, good = "x = 1\nif x is 1:\n    pass\n", "x = 1\nif x == 1:\n    pass\n"
    assert ids(session.analyze(bad, 1, PREFS, now=0)) == ["CC102"]
    session.analyze(good, 2, PREFS, now=60)
    back = session.analyze("# again\n" + bad, 3, PREFS, now=200)
    assert ids(back) == ["CC102", "CC902"]
    hint = back.findings[1]
    assert hint.span == back.findings[0].span  # follows the mistake to its new line
    # Once fixed again, the hint goes with it.
    assert ids(session.analyze(good, 4, PREFS, now=230)) == []


def settle(session, report):
    session.commit(report)
    return session.settle()


def test_a_long_syntax_error_streak_offers_help_and_broken_code_fixes_nothing():
    session = DocumentSession("f.py", Analyzer())
    settle(session, session.analyze("x = 1\nif x is 1:\n    pass\n", 1, PREFS, now=0))
    for version in range(2, 5):
        report = session.analyze("if x is 1\n    pass\n", version, PREFS, now=version)
        assert settle(session, report)[2] == []  # a broken file has not fixed the CC102 above
    assert ids(report) == ["CC002", "CC903"]
    report = session.analyze("x = 1\n", 5, PREFS, now=10)
    assert ids(report) == []
    assert [f.rule_id for f in settle(session, report)[2]] == ["CC102"]


def test_only_settled_reports_count_for_new_and_fixed_mistakes():
    session = DocumentSession("f.py", Analyzer())
    _, new, _ = settle(session, session.analyze("x = 1\nif x is 1:\n    pass\n", 1, PREFS, now=0))
    assert [f.rule_id for f in new] == ["CC102"]
    # A half-typed name flickers by between two pauses: neither new nor fixed.
    session.commit(session.analyze("x = 1\nif x == 1:\n    print(tota)\n", 2, PREFS, now=1))
    report = session.analyze("x = 2\nif x == 1:\n    pass\n", 3, PREFS, now=2)
    _, new, fixed = settle(session, report)
    assert (new, [f.rule_id for f in fixed]) == ([], ["CC102"])
    assert session.settle() is None  # nothing shown since the last pause


def test_behaviour_hints_can_be_switched_off():
    prefs = Preferences(thresholds=Thresholds(churn_edits=2, syntax_streak=2, enabled=False))
    session = DocumentSession("f.py", Analyzer())
    for version in range(1, 5):
        session.record_edit(Edit(0, 0, True, version * 10))
        report = session.analyze("if x\n", version, prefs, now=version * 10)
    assert ids(report) == ["CC002"]


def test_the_edit_between_two_whole_texts():
    from codecoach.analysis.signals import edit_between

    old = "def f(x):\n    return x\n\ndef g():\n    pass\n"
    assert edit_between(old, old, 1.0) is None
    typed = edit_between(old, old.replace("return x", "return x + 1"), 2.0)
    assert (typed.first_line, typed.last_line, typed.rewrites, typed.at) == (1, 1, False, 2.0)  # only added
    replaced = edit_between(old, old.replace("pass", "return 2"), 3.0)
    assert (replaced.first_line, replaced.last_line, replaced.rewrites) == (4, 4, True)
    deleted = edit_between(old, old.replace("\ndef g():\n    pass\n", ""), 4.0)
    assert deleted.rewrites and deleted.first_line == 2
    appended = edit_between(old, old + "print(f(1))\n", 5.0)
    assert (appended.first_line, appended.rewrites) == (5, False)
    repeated = edit_between("aaaa\n", "aaaaa\n", 6.0)  # a repeated character: start and end must not overlap
    assert (repeated.first_line, repeated.last_line, repeated.rewrites) == (0, 0, False)
