"""What counts as an example, found by reading the files (nothing runs here)."""

from __future__ import annotations

import ast

from codecoach.runner import discover
from codecoach.runner.rewrite import rewrite

from .conftest import write


def test_doctests_asserts_and_tests_of_the_file_and_its_test_file(tmp_path):
    path = write(tmp_path, "calc.py", '''
        """Module doc.

        >>> add(1, 1)
        2
        """

        def add(a, b):
            """
            >>> add(2, 3)
            5
            """
            return a + b

        assert add(0, 0) == 0

        def test_add():
            assert add(1, 2) == 3
    ''')
    write(tmp_path, "test_calc.py", '''
        import unittest
        from calc import add

        def test_more():
            assert add(2, 2) == 4

        class AddTest(unittest.TestCase):
            def test_zero(self):
                self.assertEqual(add(0, 5), 5)

            def helper(self):
                pass
    ''')
    plan = discover(path, path.read_text())
    assert plan.mode == "import" and plan.module == "calc"
    assert [(e.kind, e.line) for e in plan.examples] == [
        ("assert", 13), ("doctest", 2), ("doctest", 8), ("test", 15), ("test", 3), ("unittest", 7),
    ]
    assert plan.test_files == (str(tmp_path / "test_calc.py"),)
    assert {f.name for f in plan.files} == {"calc.py", "test_calc.py"}


def test_unsaved_text_wins_over_the_disk(tmp_path):
    path = write(tmp_path, "calc.py", "def add(a, b):\n    return a + b\n")
    test = write(tmp_path, "test_calc.py", "from calc import add\n")
    plan = discover(path, "assert 1 == 1\n", open_texts={str(test): "def test_new():\n    pass\n"})
    assert [e.id for e in plan.examples] == ["assert:calc.py:1", "test:test_calc.py::test_new"]
    assert [f.text for f in plan.files if f.name == "calc.py"] == ["assert 1 == 1\n"]


def test_a_plain_script_runs_as_main_and_io_pairs_switch_to_io_mode(tmp_path):
    path = write(tmp_path, "hello.py", "print(input())\n")
    assert discover(path, path.read_text()).mode == "script"
    write(tmp_path, "hello.in", "hi\n")
    write(tmp_path, "hello.out", "hi\n")
    write(tmp_path, "hello_examples/10.in", "b\n")
    write(tmp_path, "hello_examples/10.out", "b\n")
    write(tmp_path, "hello_examples/2.in", "a\n")
    write(tmp_path, "hello_examples/2.out", "a\n")
    write(tmp_path, "hello_examples/3.in", "no .out beside it\n")
    plan = discover(path, path.read_text())
    assert plan.mode == "io"
    assert [e.name for e in plan.examples] == ["hello.in", "hello_examples/2.in", "hello_examples/10.in"]


def test_a_file_that_does_not_parse_runs_nothing(tmp_path):
    path = write(tmp_path, "broken.py", "def f(:\n")
    plan = discover(path, path.read_text())
    assert not plan.runnable and plan.examples == ()


def test_a_test_file_that_does_not_parse_is_named(tmp_path):
    path = write(tmp_path, "calc.py", "def add(a, b):\n    return a + b\n")
    write(tmp_path, "calc_test.py", "def test_(:\n")
    plan = discover(path, path.read_text())
    assert plan.mode == "script" and len(plan.problems) == 1 and "calc_test.py does not parse" in plan.problems[0]


def test_rewritten_asserts_keep_lines_and_evaluation_order():
    source = "def f(x):\n    assert x\n    return x\nassert f(1) == 1, 'why'\ndef test_a():\n    assert not f(0)\n"
    tree = rewrite(ast.parse(source), source)
    assert "assert x" in ast.unparse(tree)  # the learner's own function is compiled as written
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "__codecoach_check__"]
    assert [(c.lineno, c.args[1].value, c.args[5].value) for c in calls] == [(4, "Eq", "f(1)"), (6, "Not", "f(0)")]
    order = []

    def check(line, op, left, right, message, *_):
        order.append(("value", left(), right() if right else None))

    def call(func, *args):
        order.append(("call", func.__name__, args))
        return func(*args)

    exec(compile(tree, "<test>", "exec"), {"__codecoach_check__": check, "__codecoach_call__": call})
    assert order == [("call", "f", (1,)), ("value", 1, 1)]
