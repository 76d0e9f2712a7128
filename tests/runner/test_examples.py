"""Doctests, asserts, test functions, unittest cases and sibling test files, run for real."""

from __future__ import annotations

from codecoach.analysis.findings import Severity, Source
from codecoach.runner import FAILED, PASSED, RAN

from .conftest import by_rule, line_of, run, write

SEARCH = '''
def search(x, values):
    """Position of x in the sorted values, or -1.

    >>> search(3, [1, 3, 5])
    1
    >>> search(5, [1, 3, 5])
    2
    >>> search(9, [1, 3, 5])
    -1
    """
    lo, hi = 0, len(values) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if values[mid] == x:
            return mid
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
'''


def outcome(report, example_id):
    [found] = [o for o in report.outcomes if o.id == example_id]
    return found


def test_passing_doctests_give_no_findings(runner, tmp_path):
    path = write(tmp_path, "search.py", SEARCH)
    report = run(runner, path)
    assert report.status == RAN
    assert [o.status for o in report.outcomes] == [PASSED, PASSED, PASSED]
    assert report.findings == ()


def test_failing_doctest_is_reported_on_its_line_with_expected_and_actual(runner, tmp_path):
    path = write(tmp_path, "search.py", SEARCH.replace("    2\n    >>> search(9", "    7\n    >>> search(9"))
    report = run(runner, path)
    [failure] = by_rule(report, "CC801")
    assert failure.span.start.line == line_of(path, ">>> search(5, [1, 3, 5])")
    assert failure.message == "`search(5, [1, 3, 5])` returned 2, expected 7"
    assert "- Expected: 7" in failure.detail and "- Actual: 2" in failure.detail
    assert failure.source is Source.EXAMPLES and failure.severity is Severity.WARNING
    assert "fix" not in failure.explanation.hint.lower()
    assert [o.status for o in report.outcomes] == [PASSED, FAILED, PASSED]


def test_raising_doctest_points_at_the_line_in_the_function_with_values(runner, tmp_path):
    path = write(tmp_path, "search.py", SEARCH.replace("len(values) - 1", "len(values)"))
    report = run(runner, path)
    [error] = by_rule(report, "CC804")
    assert error.span.start.line == line_of(path, "if values[mid] == x:")
    assert error.message == "IndexError: `values[mid]` with mid = 3, but `values` has 3 items"
    assert error.severity is Severity.ERROR
    assert "`values` = [1, 3, 5]" in error.detail and "Python says: IndexError" in error.detail
    # The columns cover `values[mid]` itself.
    text = path.read_text().splitlines()[error.span.start.line]
    assert text[error.span.start.column:error.span.end.column] == "values[mid]"


def test_module_level_asserts_each_count_and_show_the_arguments(runner, tmp_path):
    path = write(tmp_path, "average.py", '''
        def average(values):
            total = 0
            for v in values:
                total += v
            return total // len(values)

        assert average([2, 4]) == 3
        assert average([1, 2]) == 1.5
        assert average([5]) == 5
    ''')
    report = run(runner, path)
    assert [o.status for o in report.outcomes] == [PASSED, FAILED, PASSED]
    [failure] = by_rule(report, "CC801")
    assert failure.span.start.line == line_of(path, "assert average([1, 2])")
    assert failure.message == "`average([1, 2])` returned 1, expected 1.5"
    assert "- Arguments: values = [1, 2]" in failure.detail


def test_sibling_test_file_failure_lands_on_the_test_line_and_on_the_function(runner, tmp_path):
    path = write(tmp_path, "search.py", """
        def search(x, values):
            for i, value in enumerate(values):
                if value == x:
                    return i + 1
            return -1
    """)
    tests = write(tmp_path, "test_search.py", '''
        from search import search

        def test_first():
            assert search(1, [1, 2, 3]) == 0

        def test_missing():
            assert search(42, (-5, 1, 3)) == -1
    ''')
    report = run(runner, path)
    statuses = {o.name: o.status for o in report.outcomes}
    assert statuses == {"test_first": FAILED, "test_missing": PASSED}
    [on_test] = report.elsewhere[str(tests)]
    assert on_test.rule_id == "CC801" and on_test.span.start.line == line_of(tests, "assert search(1, [1, 2, 3])")
    assert on_test.message == "`search(1, [1, 2, 3])` returned 1, expected 0"
    [mirrored] = by_rule(report, "CC801")
    assert mirrored.span.start.line == line_of(path, "def search")
    assert mirrored.message.endswith("(test_search.py, line 4)")
    assert "x = 1, values = [1, 2, 3]" in mirrored.detail
    assert tests.read_text().startswith("from search import search")  # the test file itself is untouched


def test_unittest_case_failure_names_the_call_and_both_values(runner, tmp_path):
    path = write(tmp_path, "shop.py", '''
        def total(prices, discount):
            return sum(prices) - discount * sum(prices) / 100
    ''')
    tests = write(tmp_path, "shop_test.py", '''
        import unittest
        from shop import total

        class TotalTest(unittest.TestCase):
            def test_no_discount(self):
                self.assertEqual(total([10, 20], 0), 30)

            def test_half(self):
                self.assertEqual(total([10, 20], 50), 16)

            @unittest.skip("not yet")
            def test_later(self):
                self.fail()
    ''')
    report = run(runner, path)
    statuses = {o.name: o.status for o in report.outcomes}
    assert statuses == {"TotalTest.test_no_discount": PASSED, "TotalTest.test_half": FAILED,
                        "TotalTest.test_later": "skipped"}
    [failure] = report.elsewhere[str(tests)]
    assert failure.span.start.line == line_of(tests, "assertEqual(total([10, 20], 50)")
    assert failure.message == "`total([10, 20], 50)` returned 15.0, expected 16"
    [mirrored] = by_rule(report, "CC801")
    assert mirrored.span.start.line == line_of(path, "def total")


def test_test_functions_in_the_file_itself_run(runner, tmp_path):
    path = write(tmp_path, "double.py", '''
        def double(n):
            return n + n

        def test_double():
            assert double(2) == 4

        def test_double_zero():
            assert double(0) == 1
    ''')
    report = run(runner, path)
    assert {o.name: o.status for o in report.outcomes} == {"test_double": PASSED, "test_double_zero": FAILED}
    [failure] = by_rule(report, "CC801")
    assert failure.message == "`double(0)` returned 0, expected 1"


def test_fault_localization_hints_the_line_only_failing_examples_run(runner, tmp_path):
    path = write(tmp_path, "price.py", '''
        def price(items):
            if items >= 10:
                return items * 9 + 1
            return items * 10

        assert price(1) == 10
        assert price(2) == 20
        assert price(10) == 90
        assert price(12) == 108
    ''')
    report = run(runner, path)
    assert [o.status for o in report.outcomes] == [PASSED, PASSED, FAILED, FAILED]
    [hint] = by_rule(report, "CC820")
    assert hint.span.start.line == line_of(path, "return items * 9 + 1")
    assert hint.severity is Severity.INFORMATION
    assert report.suspicious[0].line == hint.span.start.line and report.suspicious[0].score == 1.0


def test_no_hint_when_the_lines_do_not_tell_passing_from_failing(runner, tmp_path):
    path = write(tmp_path, "area.py", '''
        def area(width, height):
            half = width / 2
            doubled = half * height
            return doubled + 0.5

        assert area(2, 3) == 3.5
        assert area(4, 1) == 2.5
        assert area(3, 3) == 4.5
    ''')
    report = run(runner, path)
    assert [o.status for o in report.outcomes] == [PASSED, PASSED, FAILED]
    # Every example runs every line: they all score the same, so no line is singled out.
    assert len({s.score for s in report.suspicious}) == 1 and len(report.suspicious) == 3
    assert by_rule(report, "CC820") == []


def test_printed_values_per_line_with_counts(runner, tmp_path):
    path = write(tmp_path, "loop.py", '''
        total = 0
        for i in range(5):
            total += i
            print("running total", total)
        print("done")
    ''')
    report = run(runner, path)
    printed = {p.line: p for p in report.printed}
    loop_line, done_line = line_of(path, 'print("running total"'), line_of(path, 'print("done")')
    assert printed[loop_line].text == "running total 10" and printed[loop_line].count == 5
    assert printed[loop_line].label() == "running total 10 … ×5"
    assert printed[done_line].label() == "done"
    assert report.stdout.splitlines()[-1] == "done"
    assert report.findings == ()


def test_no_throwaway_path_leaks_into_what_the_learner_reads(runner, tmp_path):
    path = write(tmp_path, "paths.py", '''
        import os
        print(os.getcwd())
        print(__file__)
        open("missing.txt").read()
    ''')
    report = run(runner, path)
    [error] = by_rule(report, "CC803")
    everything = " ".join([report.stdout, error.message, error.detail, *(p.text for p in report.printed)])
    assert "codecoach-run-" not in everything
    assert str(tmp_path) in report.stdout
    assert error.message.startswith("FileNotFoundError") and "missing.txt" in error.message
