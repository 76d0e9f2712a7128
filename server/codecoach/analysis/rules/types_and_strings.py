"""Types and strings: results thrown away, `/` vs `//`, text mixed with numbers, f-strings."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..findings import Severity
from ..markup import Markup, code_span
from .base import (
    PY_DOCS,
    Context,
    Hit,
    Rule,
    hit,
    is_builtin_call,
    raw_input_names,
    walk_same_scope,
)

# -- results thrown away ------------------------------------------------------

# str methods that build a new string (strings never change in place), with the number of
# positional arguments str accepts: another object's method of the same name (a tkinter
# window's `title("...")`, `Path.replace(target)`) usually takes a different number.
_STR_METHODS: dict[str, tuple[int, int]] = {
    "upper": (0, 0), "lower": (0, 0), "title": (0, 0), "capitalize": (0, 0), "swapcase": (0, 0),
    "casefold": (0, 0), "strip": (0, 1), "lstrip": (0, 1), "rstrip": (0, 1), "split": (0, 2),
    "rsplit": (0, 2), "splitlines": (0, 1), "expandtabs": (0, 1), "zfill": (1, 1), "center": (1, 2),
    "ljust": (1, 2), "rjust": (1, 2), "removeprefix": (1, 1), "removesuffix": (1, 1),
    "replace": (2, 3), "format": (0, 99), "join": (1, 1),
}
# Receivers that are modules or GUI objects with methods of the same names.
_NOT_STRINGS = frozenset({"os", "_os", "re", "shlex", "np", "numpy", "pd", "string", "path", "posixpath",
                          "ntpath", "self", "cls", "root", "top", "window", "win", "master", "widget",
                          "frame", "canvas", "screen", "app"})


def _discarded_string_method(node: ast.Expr, ctx: Context) -> Iterator[Hit]:
    call = node.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
        return
    method, receiver = call.func.attr, call.func.value
    arity = _STR_METHODS.get(method)
    if arity is None or call.keywords or not arity[0] <= len(call.args) <= arity[1]:
        return
    if isinstance(receiver, ast.Attribute) or (isinstance(receiver, ast.Name) and receiver.id in _NOT_STRINGS):
        return  # `self.top.lower()`, `os.replace(...)`: not (necessarily) a string
    is_text = isinstance(receiver, (ast.JoinedStr,)) or (
        isinstance(receiver, ast.Constant) and isinstance(receiver.value, str)
    )
    if method in ("join", "format") and not is_text:
        return  # thread.join(), a logger's format(): not necessarily strings
    yield hit(call, method=method, target=ast.unparse(receiver))


_PURE_FUNCTIONS = frozenset({"sorted", "reversed", "len", "abs", "round", "min", "max", "sum",
                             "str", "int", "float", "bool", "repr", "chr", "ord", "divmod"})


def _discarded_pure_call(node: ast.Expr, ctx: Context) -> Iterator[Hit]:
    call = node.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in _PURE_FUNCTIONS):
        return
    if _inside_try_body(node, ctx):
        return  # `try: int(text)` checks that the conversion works
    yield hit(call, func=call.func.id)


_SIDE_EFFECT_OPERATORS = (ast.RShift, ast.LShift, ast.BitOr, ast.MatMult)


def _inside_try_body(node: ast.AST, ctx: Context) -> bool:
    """`try: value[:0] + sep` / `try: complex`: an expression run only to see whether it raises."""
    child = node
    for anc in ctx.ancestors(node):
        if isinstance(anc, ast.Try) and child in anc.body:
            return True
        if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return False
        child = anc
    return False


def _expression_without_effect(node: ast.Expr, ctx: Context) -> Iterator[Hit]:
    value = node.value
    if isinstance(value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)) or _inside_try_body(node, ctx):
        return
    if isinstance(value, ast.Constant):
        if isinstance(value.value, (int, float, complex)) and not isinstance(value.value, bool):
            yield hit(value, what=Markup("this value"))
        return
    if isinstance(value, ast.Compare):
        # `x == y` on a line of its own is CC101's business.
        if len(value.ops) == 1 and isinstance(value.ops[0], ast.Eq):
            return
        yield hit(value, what=Markup("this comparison"))
        return
    if isinstance(value, ast.BinOp) and not isinstance(value.op, _SIDE_EFFECT_OPERATORS):
        yield hit(value, what=Markup("this calculation"))
    elif isinstance(value, (ast.Name, ast.Subscript)):
        if isinstance(value, ast.Name) and value.id == "_":
            return
        yield hit(value, what=code_span(ast.unparse(value)))
    elif isinstance(value, ast.Tuple) and value.elts and all(
        isinstance(e, (ast.Name, ast.Constant, ast.Subscript)) for e in value.elts
    ):
        yield hit(value, what=Markup("this tuple"))


# -- `/` where `//` was meant ---------------------------------------------------

def _float_division_as_index(node: ast.BinOp, ctx: Context) -> Iterator[Hit]:
    if not isinstance(node.op, ast.Div):
        return
    child: ast.AST = node
    for parent in ctx.ancestors(node):
        if isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Slice)):
            child = parent
            continue
        if isinstance(parent, ast.Subscript) and parent.slice is child:
            where = "a slice bound" if isinstance(child, ast.Slice) else "an index"
            yield hit(node, where=Markup(where), expr=ast.unparse(node))
        elif is_builtin_call(parent, "range") and child in parent.args:  # type: ignore[attr-defined]
            yield hit(node, where=Markup("an argument of `range()`"), expr=ast.unparse(node))
        return


# -- text + number ------------------------------------------------------------

_NUMBER_FUNCTIONS = frozenset({"len", "int", "float", "sum", "round", "abs", "ord"})


def _number_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _NUMBER_FUNCTIONS


def _is_text(node: ast.AST, ctx: Context, raw_names: frozenset[str] | None = None) -> bool:
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    if is_builtin_call(node, "input", "str"):
        return True
    if isinstance(node, ast.Name):
        names = raw_names if raw_names is not None else raw_input_names(node, ctx)
        return node.id in names
    return False


def _text_plus_number(node: ast.BinOp, ctx: Context) -> Iterator[Hit]:
    if not isinstance(node.op, ast.Add):
        return
    left, right = node.left, node.right
    if isinstance(left, ast.BinOp) and isinstance(left.op, ast.Add) and _is_text(left.right, ctx):
        left = left.right  # `'a' + b + 1`: look at the neighbour of the number
    for text, number in ((left, right), (right, left)):
        if _number_text(number) and _is_text(text, ctx):
            yield hit(node, text=ast.unparse(text), number=ast.unparse(number))
            return


_ARITHMETIC = {ast.Sub: "-", ast.Div: "/", ast.FloorDiv: "//", ast.Pow: "**"}


def _input_used_as_number(node: ast.AST, ctx: Context) -> Iterator[Hit]:
    if isinstance(node, ast.BinOp):
        symbol = _ARITHMETIC.get(type(node.op))
        if symbol is None:
            return
        for side in (node.left, node.right):
            if _is_raw_input(side, ctx):
                yield hit(node, use=code_span(symbol), text=ast.unparse(side))
                return
    elif is_builtin_call(node, "range"):
        for arg in node.args:  # type: ignore[attr-defined]
            if _is_raw_input(arg, ctx):
                yield hit(node, use=Markup("`range()`"), text=ast.unparse(arg))
                return


def _is_raw_input(node: ast.AST, ctx: Context) -> bool:
    if is_builtin_call(node, "input"):
        return True
    return isinstance(node, ast.Name) and node.id in raw_input_names(node, ctx)


# -- `{name}` in a string without the f prefix ---------------------------------

_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)(?:[.\[][^{}]*)?(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def _scope_names(scope: ast.AST) -> set[str]:
    args = scope.args  # type: ignore[attr-defined]
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    for n in walk_same_scope(scope):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
    return names


def placeholder_names(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def _missing_f_prefix(node: ast.Constant, ctx: Context) -> Iterator[Hit]:
    if not isinstance(node.value, str) or "{" not in node.value:
        return
    wanted = placeholder_names(node.value)
    if not wanted:
        return
    # Climb through `+` concatenations; the string must be printed, asked or returned.
    child: ast.AST = node
    parent = ctx.parent(node)
    while isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add):
        child, parent = parent, ctx.parent(parent)
    if isinstance(parent, ast.Return):
        pass
    elif is_builtin_call(parent, "print", "input") and child in parent.args:  # type: ignore[union-attr]
        pass
    else:
        return
    scope = ctx.enclosing_function(node)
    if scope is not None:
        known = _scope_names(scope)
    else:
        known = set(getattr(ctx.facts, "module_placeholder_names", frozenset()))
    found = [name for name in wanted if name in known]
    if found:
        yield hit(node, name=found[0], placeholder="{" + found[0] + "}")


def module_placeholder_names(module_nodes: list[ast.AST]) -> frozenset[str]:
    """For ModuleFacts: module-level names that also appear as `{name}` in module-level strings
    (module_nodes: the module's nodes outside functions and classes)."""
    bound: set[str] = set()
    placeholders: set[str] = set()
    for n in module_nodes:
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            bound.add(n.id)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and "{" in n.value:
            placeholders.update(placeholder_names(n.value))
    return frozenset(bound & placeholders)


_FSTRING_DOCS = f"{PY_DOCS}/tutorial/inputoutput.html#formatted-string-literals"

RULES: tuple[Rule, ...] = (
    Rule(
        id="CC701", name="discarded-string-result", concept="string-methods",
        on=(ast.Expr,), detect=_discarded_string_method,
        message="`.{method}()` returns a new string; `{target}` itself is not changed",
        why="Strings can never be changed in place. `.{method}()` builds a *new* string and "
            "returns it, and on a line of its own that new string is thrown away — `{target}` "
            "stays exactly as it was.",
        idea="Strings are immutable: every string method gives back a result instead of "
             "modifying the original.",
        hint="Keep the result: store it in a name (possibly the same one) or use it directly.",
        docs_url=f"{PY_DOCS}/library/stdtypes.html#string-methods",
        bad=("name = input()\nname.strip()\n", "word = 'hi'\nword.upper()\nprint(word)\n",
             "text.replace('a', 'b')\n"),
        good=("name = input().strip()\n", "word = 'hi'\nword = word.upper()\n",
              "import os\nos.replace('a', 'b')\n", "worker.join()\n", "items.sort()\n"),
    ),
    Rule(
        id="CC702", name="discarded-builtin-result", concept="return-values",
        on=(ast.Expr,), detect=_discarded_pure_call,
        message="`{func}(...)` returns a result, and this line throws it away",
        why="`{func}` does not change its argument; it computes a new value and returns it. "
            "On a line of its own that value is lost, so this line has no effect.",
        idea="Functions like `sorted`, `len`, `round` and `int` *return* their answer; they never "
             "modify what you pass in.",
        hint="Store the result in a name, or use it where it is needed (for example inside `print`).",
        docs_url=f"{PY_DOCS}/library/functions.html",
        bad=("nums = [3, 1, 2]\nsorted(nums)\nprint(nums)\n", "x = 2.567\nround(x, 1)\n",
             "age = input()\nint(age)\n"),
        good=("nums = sorted([3, 1, 2])\n", "nums = [3, 1, 2]\nnums.sort()\n",
              "try:\n    int(text)\nexcept ValueError:\n    print('not a number')\n"),
    ),
    Rule(
        id="CC703", name="expression-without-effect", concept="basics",
        on=(ast.Expr,), detect=_expression_without_effect,
        message="{what} is computed and then thrown away; did you mean to print or store it?",
        why="In the interactive shell a bare expression shows its value, but in a program it "
            "does nothing: the value is computed and immediately discarded.",
        idea="A statement should *do* something: assign, call, return, print. An expression on "
             "its own line only does something if it calls a function.",
        hint="Decide what should happen with this value: show it with `print(...)`, keep it with "
             "`=`, or return it.",
        docs_url=f"{PY_DOCS}/reference/simple_stmts.html#expression-statements",
        bad=("a = [1, 2, 3]\na[0]\n", "total = 5\ntotal\n", "x = 3\nx + 1\n", "n = 4\nn < 3\n"),
        good=("a = [1, 2, 3]\nprint(a[0])\n", "def f():\n    '''Docstring.'''\n    ...\n",
              "task1 >> task2\n", "x = 3\nx == 4\n"),
    ),
    Rule(
        id="CC704", name="true-division-as-index", concept="numbers",
        on=(ast.BinOp,), detect=_float_division_as_index,
        message="`/` always gives a float, but `{expr}` is used as {where}, which must be an int",
        why="In Python 3, `/` is true division: `7 / 2` is `3.5` and even `6 / 2` is `3.0`, a "
            "float. List indexes, slice bounds and `range()` need whole numbers, so this raises "
            "a TypeError.",
        idea="Python has two divisions: `/` gives an exact (float) answer, `//` rounds down to a "
             "whole number.",
        hint="Which of the two divisions gives a whole number here?",
        docs_url=f"{PY_DOCS}/reference/expressions.html#binary-arithmetic-operations",
        severity=Severity.ERROR,
        bad=("mid = items[len(items) / 2]\n", "for i in range(n / 2):\n    pass\n",
             "half = word[:len(word) / 2]\n", "x = a[(lo + hi) / 2 + 1]\n"),
        good=("mid = items[len(items) // 2]\n", "avg = total / count\n",
              "x = a[int(n / 2)]\n", "ratio = values[i] / 2\n", "v = df[df.a / df.b > 1]\n"),
    ),
    Rule(
        id="CC705", name="text-plus-number", concept="strings",
        on=(ast.BinOp,), detect=_text_plus_number,
        severity=Severity.ERROR,
        message="`+` cannot join text and a number: `{text}` + `{number}` raises TypeError",
        why="`+` means addition for numbers and joining for strings, but it refuses to mix the "
            "two: Python will not guess whether you want arithmetic or text.",
        idea="Conversions between text and numbers are always explicit in Python.",
        hint="Turn the number into text first — or, usually nicer, build the whole line with an "
             "f-string.",
        docs_url=_FSTRING_DOCS,
        bad=("print('Total: ' + 5)\n", "count = 3\nprint('You have ' + len([1, 2]) + ' items')\n",
             "age = input('Age? ')\nnext_year = age + 1\n"),
        good=("print('Total: ' + str(5))\n", "print(f'You have {len(items)} items')\n",
              "age = int(input('Age? '))\nnext_year = age + 1\n", "line = '-' * 10\n"),
    ),
    Rule(
        id="CC706", name="input-used-as-number", concept="input-output",
        on=(ast.BinOp, ast.Call), detect=_input_used_as_number,
        severity=Severity.ERROR,
        message="`{text}` is text from `input()`, but {use} needs a number",
        why="`input()` always returns a string, even when the user types digits. Arithmetic such "
            "as {use} is not defined for strings, so this raises a TypeError.",
        idea="Text and numbers are different types; the conversion is explicit.",
        hint="Convert the text to a number with `int(...)` or `float(...)` when you read it.",
        docs_url=f"{PY_DOCS}/library/functions.html#input",
        bad=("n = input()\nfor i in range(n):\n    print(i)\n", "year = input('Year? ')\nage = 2024 - year\n"),
        good=("n = int(input())\nfor i in range(n):\n    print(i)\n",
              "name = input()\nprint(name * 2)\n"),
    ),
    Rule(
        id="CC707", name="missing-f-prefix", concept="string-formatting",
        on=(ast.Constant,), detect=_missing_f_prefix,
        message="this string contains `{placeholder}` but is not an f-string, so the braces stay as text",
        why="Only an f-string (a string with `f` before the opening quote) replaces `{placeholder}` "
            "with the value of `{name}`. A plain string keeps the braces and the name as they are.",
        idea="f-strings evaluate the expressions in braces when the line runs; ordinary strings "
             "are just characters.",
        hint="Look at the character just before the opening quote.",
        docs_url=_FSTRING_DOCS,
        bad=("name = input()\nprint('Hello {name}!')\n",
             "def describe(n):\n    return 'The value is {n}'\n",
             "def greet(user):\n    print('Hi ' + '{user}, welcome')\n"),
        good=("name = input()\nprint(f'Hello {name}!')\n",
              "name = input()\nprint('Hello {name}!'.format(name=name))\n",
              "def describe(n):\n    return 'Use {x} as a placeholder'\n",
              "print('{\"a\": 1}')\n"),
    ),
)
