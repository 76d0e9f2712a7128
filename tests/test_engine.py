"""The engine: one parse, per-chunk caching that never changes the answer, concepts."""

from __future__ import annotations

import random

from codecoach.analysis.engine import Analyzer

PROGRAM = '''\
def first(items):
    for i in range(len(items)):
        return items[i]

def greet(name):
    if name is "bob":
        print("hi")

x = 1; y = x is 1
class Box:
    def add(self, item, into=[]):
        into.append(item)
        return into
'''


def keys(analysis):
    return [(f.rule_id, f.span) for f in analysis.findings]


def test_cached_analysis_equals_fresh_analysis_across_edits():
    rng = random.Random(7)
    cached = Analyzer()
    lines = PROGRAM.splitlines(keepends=True)
    for _ in range(60):
        # Insert or delete blank/comment lines at random: spans shift, chunks come from cache.
        i = rng.randrange(len(lines) + 1)
        if rng.random() < 0.5 or len(lines) < 5:
            lines.insert(i, rng.choice(["\n", "# note\n", "z = 2\n"]))
        elif i < len(lines) and lines[i] in ("\n", "# note\n", "z = 2\n"):
            del lines[i]
        text = "".join(lines)
        assert keys(cached.analyze(text)) == keys(Analyzer().analyze(text))


def test_statements_sharing_a_line_are_analyzed_separately():
    analysis = Analyzer().analyze("a = 1; b = a is 1\n")
    assert [f.rule_id for f in analysis.findings] == ["CC102"]


def test_concepts_per_file_and_function():
    analysis = Analyzer().analyze(PROGRAM)
    assert analysis.concepts["loops"] == 1
    assert {"functions", "loops", "iteration"} <= set(analysis.function_concepts["first"])
    assert "classes" in analysis.function_concepts["Box"]
    assert "function-arguments" in analysis.function_concepts["Box.add"]
    assert analysis.function_at(1) == "first" and analysis.function_at(11) == "Box.add"


def test_non_ascii_columns_are_code_points():
    analysis = Analyzer().analyze("s = '😀é'; ok = s is 'x'\n")
    [finding] = [f for f in analysis.findings if f.rule_id == "CC102"]
    assert finding.span.start.column == "s = '😀é'; ok = s is 'x'".index("s is")


def test_syntax_error_reports_one_finding_without_crashing_on_odd_input():
    for text in ("def f(:\n", "\x00", "(" * 500, "x = '''\n"):
        analysis = Analyzer().analyze(text)
        assert not analysis.syntax_ok
        assert len(analysis.findings) <= 1
