"""The common exceptions, in the learner's words, at the line in their function."""

from __future__ import annotations

import pytest

from .conftest import line_of, run, write

CASES = [
    ("CC805", "KeyError: `counts[word]` with word = 'pear', but `counts` has no key 'pear'", "counts[word] += 1", '''
        def tally(words):
            counts = {"apple": 0}
            for word in words:
                counts[word] += 1
            return counts

        assert tally(["apple", "pear"]) == {"apple": 1, "pear": 1}
    '''),
    ("CC807", "ZeroDivisionError: `total / len(values)` with len(values) = 0", "return total / len(values)", '''
        def mean(values):
            total = sum(values)
            return total / len(values)

        assert mean([]) == 0
    '''),
    ("CC806", "AttributeError: `node` is None in `node.value`", "total += node.value", '''
        class Node:
            def __init__(self, value, next=None):
                self.value, self.next = value, next

        def total(node):
            total = 0
            while True:
                total += node.value
                node = node.next

        assert total(Node(1, Node(2))) == 3
    '''),
    ("CC806", "TypeError: `best` is None in `best + 1`", "return best + 1", '''
        def biggest(values):
            best = None
            for v in values:
                if best is not None and v > best:
                    best = v
            return best + 1

        assert biggest([3, 1]) == 4
    '''),
    ("CC809", "NameError: `totl` is not defined here", "return totl", '''
        def add(a, b):
            total = a + b
            return totl

        assert add(1, 2) == 3
    '''),
    ("CC810", "UnboundLocalError: `count` is read in `bump` before it gets a value there", "count = count + 1", '''
        count = 0

        def bump():
            count = count + 1
            return count

        assert bump() == 1
    '''),
    ("CC804", "IndexError: `stack.pop()` on an empty list", "return stack.pop()", '''
        def last(stack):
            return stack.pop()

        assert last([]) is None
    '''),
]


@pytest.mark.parametrize("rule, message, fragment, source", CASES, ids=[c[0] + "-" + c[1].split(":")[0] for c in CASES])
def test_exception_message_names_the_values_at_the_learners_line(runner, tmp_path, rule, message, fragment, source):
    path = write(tmp_path, "exercise.py", source)
    report = run(runner, path)
    found = [f for f in report.findings if f.source.value == "examples" and f.severity.name == "ERROR"]
    assert [(f.rule_id, f.message) for f in found] == [(rule, message)]
    assert found[0].span.start.line == line_of(path, fragment)
    assert found[0].explanation.why and found[0].explanation.hint and "Python says:" in found[0].detail
