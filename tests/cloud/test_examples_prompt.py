"""With cloud analysis on, what running the learner's examples showed goes into the review
prompt of the chunk it concerns (redacted like everything else), so Gemini explains the real
failure; a chunk whose examples fail is not answered from a review made while they passed."""

from __future__ import annotations

from codecoach.analysis.findings import Finding, Severity, Source, Span, split_lines
from codecoach.providers import chunks as chunking
from codecoach.providers import review as reviewing
from codecoach.providers.redactor import Redactor
from codecoach.runner import RULES
from fakegemini import FakeGemini

from .conftest import THREE_FUNCTIONS, answer, point, review

AVERAGE = '''def average(xs):
    """
    >>> average([1, 2, 3])
    2.0
    """
    total = 0
    for i in range(1, len(xs)):
        total += xs[i]
    return total / len(xs)


token = "sk-live-0123456789abcdef0123456789abcdef"
'''
SECRET = "sk-live-0123456789abcdef0123456789abcdef"


def failing_example(line: int = 2, *, actual: str = "1.6666666666666667", rule: str = "CC801") -> Finding:
    found = RULES[rule]
    return Finding(rule, Span.of(line, 4, line, 26), found.severity,
                   f"`average([1, 2, 3])` returned {actual}, expected 2.0", found.explanation(), (found.concept,),
                   Source.EXAMPLES,
                   detail=f"- Example: average (doctest line 3)\n- Code: `average([1, 2, 3])`\n"
                          f"- Expected: 2.0\n- Actual: {actual}\n- Arguments: xs = [1, 2, 3]")


def rule_finding(line: int) -> Finding:
    return Finding("CC999", Span.of(line, 4, line, 10), Severity.WARNING, "A rule saw this loop",
                   RULES["CC801"].explanation(), (), Source.RULES)


def test_the_failure_goes_into_its_chunk_and_not_under_already_reported() -> None:
    lines = split_lines(AVERAGE)
    batch = chunking.split_chunks(AVERAGE)
    messages = reviewing.messages(batch, lines, [failing_example(), rule_finding(6)], [], Redactor())
    human = messages[1][1]
    section = human.split("What happened when the learner's examples ran:\n", 1)[1]
    fact = section.splitlines()[0]
    assert fact.startswith("- line 3: `average([1, 2, 3])` returned 1.6666666666666667, expected 2.0")
    assert "Expected: 2.0; Actual: 1.6666666666666667; Arguments: xs = [1, 2, 3]" in fact
    reported = human.split("Already reported (do not repeat):\n", 1)[1]
    assert "line 7: A rule saw this loop" in reported and "returned" not in reported
    assert "examples ran" in messages[0][1]  # the rules tell the model what the section is


def test_what_the_examples_showed_is_redacted() -> None:
    leaked = failing_example(actual=f"'{SECRET}'")
    redact = Redactor()
    human = reviewing.messages(chunking.split_chunks(AVERAGE), split_lines(AVERAGE), [leaked], [], redact)[1][1]
    assert SECRET not in human and "REDACTED" in human
    assert redact.secrets >= 2  # the one in the code and the one in the example's actual value


def test_failing_examples_key_the_chunk_so_a_review_made_while_they_passed_is_not_reused() -> None:
    lines = split_lines(AVERAGE)
    plain = chunking.split_chunks(AVERAGE)
    assert reviewing.keyed_by_examples(plain, [], lines) == plain
    assert reviewing.keyed_by_examples(plain, [rule_finding(6)], lines) == plain  # rules change nothing
    failing = reviewing.keyed_by_examples(plain, [failing_example()], lines)
    assert failing[0].digest != plain[0].digest and failing[1:] == plain[1:]
    # The values may differ from run to run: the key is the rule and the line, not the message.
    again = reviewing.keyed_by_examples(plain, [failing_example(actual="1.67")], lines)
    assert again[0].digest == failing[0].digest


def test_gemini_is_asked_with_the_failure_and_asked_again_when_the_examples_start_failing(
        fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    fake.reply(answer(review(point(7))), answer(review(point(7))))
    analyst.analyze("/w/average.py", AVERAGE, [])  # before the examples ran
    assert len(fake.generate_requests) == 1
    assert "What happened when the learner's examples ran:" not in fake.generate_requests[0].text
    findings = analyst.analyze("/w/average.py", AVERAGE, [failing_example()])
    assert len(fake.generate_requests) == 2  # the same code, but now its example fails: a new question
    body = fake.generate_requests[1].text
    assert "What happened when the learner's examples ran:" in body
    assert "returned 1.6666666666666667, expected 2.0" in body
    assert SECRET not in fake.all_text()
    assert [f.span.start.line for f in findings] == [6]
    # Asked once: the same failure again is answered from the cache.
    analyst.analyze("/w/average.py", AVERAGE, [failing_example(actual="1.67")])
    assert len(fake.generate_requests) == 2


def test_a_chunk_without_example_findings_is_sent_as_before(fake: FakeGemini, make_analyst) -> None:
    make_analyst().analyze("/w/three.py", THREE_FUNCTIONS, [])
    assert "What happened when the learner's examples ran:" not in fake.generate_requests[0].text
