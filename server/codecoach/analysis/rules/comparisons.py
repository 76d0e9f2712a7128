"""Comparisons and conditions: `==` vs `=`, `is`, None, truthiness, input()."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..findings import Severity
from .base import PY_DOCS, Context, Hit, Rule, hit, is_builtin_call, raw_input_names

_COMPARISONS = f"{PY_DOCS}/reference/expressions.html#comparisons"


def _comparison_as_statement(node: ast.Expr, ctx: Context) -> Iterator[Hit]:
    value = node.value
    if (
        isinstance(value, ast.Compare)
        and len(value.ops) == 1
        and isinstance(value.ops[0], ast.Eq)
        and isinstance(value.left, (ast.Name, ast.Attribute, ast.Subscript))
    ):
        yield hit(value, target=ast.unparse(value.left))


def _is_literal(node: ast.Compare, ctx: Context) -> Iterator[Hit]:
    operands = [node.left, *node.comparators]
    for op, left, right in zip(node.ops, operands, operands[1:]):
        if isinstance(op, (ast.Is, ast.IsNot)):
            for side in (left, right):
                if _is_value_literal(side):
                    yield hit(node, op="is" if isinstance(op, ast.Is) else "is not",
                              eq="==" if isinstance(op, ast.Is) else "!=")
                    return


def _is_value_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is not None and node.value is not Ellipsis and not isinstance(node.value, bool)
    return isinstance(node, (ast.List, ast.Dict, ast.Set, ast.Tuple, ast.JoinedStr)) and not (
        isinstance(node, ast.Tuple) and not node.elts
    )


def _eq_none(node: ast.Compare, ctx: Context) -> Iterator[Hit]:
    operands = [node.left, *node.comparators]
    for op, left, right in zip(node.ops, operands, operands[1:]):
        if isinstance(op, (ast.Eq, ast.NotEq)) and any(
            isinstance(s, ast.Constant) and s.value is None for s in (left, right)
        ):
            yield hit(node, op="==" if isinstance(op, ast.Eq) else "!=",
                      better="is" if isinstance(op, ast.Eq) else "is not")
            return


def _or_with_constant(node: ast.BoolOp, ctx: Context) -> Iterator[Hit]:
    """`x == 'a' or 'b'`: the second operand is always true on its own."""
    if not isinstance(node.op, ast.Or) or len(node.values) < 2:
        return
    first = node.values[0]
    if not (isinstance(first, ast.Compare) and len(first.ops) == 1 and isinstance(first.ops[0], (ast.Eq, ast.NotEq))):
        return
    parent = ctx.parent(node)
    in_condition = isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and parent.test is node
    if not in_condition:
        return
    for value in node.values[1:]:
        if isinstance(value, ast.Constant) and isinstance(value.value, (str, int, float)) \
                and not isinstance(value.value, bool) and value.value:
            yield hit(node, subject=ast.unparse(first.left), value=ast.unparse(value))
            return


def _bool_literal_compare(node: ast.Compare, ctx: Context) -> Iterator[Hit]:
    if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        return
    for side in (node.left, node.comparators[0]):
        if isinstance(side, ast.Constant) and isinstance(side.value, bool):
            yield hit(node, value=repr(side.value))
            return


def _input_compared_with_number(node: ast.Compare, ctx: Context) -> Iterator[Hit]:
    operands = [node.left, *node.comparators]
    for op, left, right in zip(node.ops, operands, operands[1:]):
        if not isinstance(op, (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
            continue
        for text_side, other in ((left, right), (right, left)):
            if _is_raw_input(text_side, node, ctx) and isinstance(other, ast.Constant) \
                    and isinstance(other.value, (int, float)) and not isinstance(other.value, bool):
                yield hit(node, number=repr(other.value))
                return


def _is_raw_input(node: ast.AST, compare: ast.Compare, ctx: Context) -> bool:
    """`input(...)` itself, or a name whose only assignments in its scope are `input(...)`."""
    if is_builtin_call(node, "input"):
        return True
    return isinstance(node, ast.Name) and node.id in raw_input_names(compare, ctx)


RULES: tuple[Rule, ...] = (
    Rule(
        id="CC101", name="comparison-as-statement", concept="comparisons",
        on=(ast.Expr,), detect=_comparison_as_statement,
        message="this compares `{target}` and throws the answer away; did you mean `=`?",
        why="`==` asks a question (are these equal?) and produces True or False. On a line of its "
            "own the answer is discarded, so `{target}` keeps its old value.",
        idea="`=` assigns, `==` compares. An assignment changes a name; a comparison only reports.",
        hint="If you wanted `{target}` to take a new value, this line needs the assignment symbol.",
        docs_url=f"{PY_DOCS}/reference/simple_stmts.html#assignment-statements",
        bad=("count = 0\ncount == count + 1\n", "def reset(state):\n    state.level == 0\n"),
        good=("count = 0\ncount = count + 1\n", "assert x == 1\n", "ok = a == b\n"),
    ),
    Rule(
        id="CC102", name="is-with-literal", concept="comparisons",
        on=(ast.Compare,), detect=_is_literal,
        message="`{op}` checks identity, not equality; use `{eq}` to compare values",
        why="`is` asks whether two names point to the very same object in memory. Two equal "
            "strings or numbers are often *different* objects, so the result depends on "
            "implementation details and may change between runs or Python versions.",
        idea="Equality (`==`) compares values; identity (`is`) compares objects. Use `is` only "
             "for singletons such as `None`, `True` and `False`.",
        hint="Ask yourself: do you care that it *is the same object*, or that it *has the same value*?",
        docs_url=f"{_COMPARISONS}",
        bad=("if answer is 'yes':\n    pass\n", "if n is not 0:\n    pass\n", "ok = items is []\n"),
        good=("if answer == 'yes':\n    pass\n", "if value is None:\n    pass\n", "if flag is True:\n    pass\n"),
    ),
    Rule(
        id="CC103", name="equals-none", concept="none",
        on=(ast.Compare,), detect=_eq_none,
        message="compare with None using `{better}`, not `{op}`",
        why="`None` is a single object, so the reliable test is identity. `== None` can be "
            "fooled by objects that define their own equality (NumPy arrays, for example).",
        idea="There is exactly one `None` in a running program; `is None` asks 'is this that object?'.",
        hint="PEP 8 recommends the identity operator for comparisons with singletons.",
        docs_url="https://peps.python.org/pep-0008/#programming-recommendations",
        severity=Severity.INFORMATION,
        bad=("if result == None:\n    pass\n", "while node != None:\n    node = None\n"),
        good=("if result is None:\n    pass\n", "if result == 0:\n    pass\n"),
    ),
    Rule(
        id="CC104", name="or-with-constant", concept="bools",
        on=(ast.BoolOp,), detect=_or_with_constant,
        message="`or {value}` is always true: this condition does not check `{subject}` against {value}",
        why="Python reads this as `({subject} == ...) or ({value})`. A non-empty string or a non-zero "
            "number is true on its own, so the whole condition is always true.",
        idea="`or` joins two complete conditions; it does not share the `==` between them.",
        hint="Write the comparison out in full on both sides of `or`, or test membership with `in` "
             "and a collection of the allowed values.",
        docs_url=f"{PY_DOCS}/reference/expressions.html#boolean-operations",
        bad=("if answer == 'y' or 'yes':\n    pass\n", "while choice != 'q' or 'Q':\n    pass\n"),
        good=("if answer == 'y' or answer == 'yes':\n    pass\n", "name = given == '' or 'anon'\n"),
    ),
    Rule(
        id="CC105", name="compare-with-bool", concept="bools",
        on=(ast.Compare,), detect=_bool_literal_compare,
        message="comparing with `{value}` is redundant: the condition is already a boolean",
        why="A condition is already True or False. Comparing it with `{value}` adds noise, and "
            "with values that are merely 'truthy' (like a non-empty list) it gives the wrong answer.",
        idea="`if` tests truthiness directly: `if done:` and `if not done:` read like English.",
        hint="Use the value itself, or `not` for the opposite.",
        docs_url=f"{PY_DOCS}/library/stdtypes.html#truth-value-testing",
        severity=Severity.INFORMATION,
        bad=("if done == True:\n    pass\n", "while found != False:\n    pass\n"),
        good=("if done:\n    pass\n", "if flag is True:\n    pass\n"),
    ),
    Rule(
        id="CC106", name="input-compared-with-number", concept="strings",
        on=(ast.Compare,), detect=_input_compared_with_number,
        message="`input()` returns text, so comparing it with {number} is never what you expect",
        why="Whatever the user types, `input()` gives back a string. A string is never equal to a "
            "number (`'5' == 5` is False) and `<`/`>` between them raise a TypeError.",
        idea="Text and numbers are different types; converting between them is always explicit.",
        hint="Convert the text to a number with `int(...)` or `float(...)` before comparing.",
        docs_url=f"{PY_DOCS}/library/functions.html#input",
        bad=("if input('Age? ') > 17:\n    pass\n",
             "def ask():\n    guess = input('Guess: ')\n    if guess == 7:\n        print('yes')\n",
             "guess = input('Guess: ')\nif guess == 7:\n    print('yes')\n"),
        good=("if int(input('Age? ')) > 17:\n    pass\n",
              "def ask():\n    guess = int(input('Guess: '))\n    if guess == 7:\n        print('yes')\n"),
    ),
)
