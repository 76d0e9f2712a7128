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


HOSTILE_VALUES = ["<img src=x onerror=alert(1)>", "[fix](command:codecoach.forget)", "`</code><script>x</script>"]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_values_from_the_learners_program_never_become_markup(runner, tmp_path, value: str) -> None:
    """A failing example whose actual and expected values are hostile strings: every message and
    detail the learner reads keeps them inside code spans (no tag, no link once spans are gone)."""
    from test_markup_safety import _DANGER, shown_texts, strip_code_spans

    path = write(tmp_path, "echo.py", f'''
        def echo(text):
            """
            >>> echo({value!r})
            {value!r}
            """
            return text.upper()
        print(echo({value!r}))
        assert echo({value!r}) == {value!r}
        ''')
    report = run(runner, path)
    assert len(report.findings) >= 2, report.findings  # the doctest and the assert both fail
    assert any(value.upper()[:4] in t for f in report.findings for t in shown_texts(f).values())
    for finding in report.findings:
        for field, text in shown_texts(finding).items():
            outside = strip_code_spans((text or "").replace("[Read more in the Python docs](", "(docs link: "))
            assert not _DANGER.search(outside), f"{finding.rule_id} {field} lets a value out:\n{text}"
