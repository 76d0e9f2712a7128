"""Every rule catches its own examples of the mistake and leaves correct code alone."""

from __future__ import annotations

import pytest

from codecoach.analysis.engine import Analyzer
from codecoach.analysis.rules import CATALOGUE
from codecoach.analysis.syntax import PATTERNS, classify

RULE_CASES = [
    pytest.param(rule, code, id=f"{rule.id}-{i}")
    for rule in CATALOGUE
    for i, code in enumerate(rule.bad)
]
CLEAN_CASES = [
    pytest.param(rule, code, id=f"{rule.id}-{i}")
    for rule in CATALOGUE
    for i, code in enumerate(rule.good)
]


def rule_ids(code: str) -> list[str]:
    return [f.rule_id for f in Analyzer().analyze(code).findings]


@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: r.id)
def test_every_rule_has_positive_and_negative_examples(rule):
    assert rule.bad, f"{rule.id} has no example of the mistake"
    assert rule.good, f"{rule.id} has no example of correct code"
    assert rule.message and rule.why and rule.idea and rule.hint
    assert rule.docs_url.startswith("https://")


@pytest.mark.parametrize(("rule", "code"), RULE_CASES)
def test_rule_flags_the_mistake(rule, code):
    assert rule.id in rule_ids(code)


@pytest.mark.parametrize(("rule", "code"), CLEAN_CASES)
def test_rule_leaves_correct_code_alone(rule, code):
    assert rule.id not in rule_ids(code)


def test_catalogue_has_enough_rules():
    assert len(CATALOGUE) >= 25


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.id)
def test_syntax_errors_get_their_friendly_explanation(pattern):
    assert pattern.bad, f"{pattern.id} has no example"
    for code in pattern.bad:
        findings = Analyzer().analyze(code).findings
        assert [f.rule_id for f in findings] == [pattern.id], code
        assert findings[0].detail.startswith("Python says:")


def test_unknown_syntax_error_falls_back_to_generic_explanation():
    assert classify("some message Python may add in the future").id == "CC010"
