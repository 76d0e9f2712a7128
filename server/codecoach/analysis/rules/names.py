"""Names and scope: shadowed builtins, plus the name checks pyflakes performs.

Undefined and unused names come from pyflakes (a mature checker, used as a
library); they are declared here so they share ids, explanations and docs
with every other rule. Those declarations have no AST detector (``on=()``):
``analysis/names.py`` maps pyflakes' messages onto them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..findings import Severity
from .base import PY_DOCS, SHADOW_PRONE, Context, Hit, Rule, called_names, hit


def _shadowed_names(node: ast.AST, ctx: Context) -> Iterator[Hit]:
    """A builtin's name rebound in a scope that also calls the builtin: that call will break."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        # A module-level `def max(...)` is a deliberate replacement; parameters are not.
        calls = ctx.memo("called-names", node, lambda: called_names(node))
        for arg in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
            if arg.arg in SHADOW_PRONE and arg.arg in calls:
                yield hit(arg, name=arg.arg)
        return
    if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in SHADOW_PRONE):
        return
    if _in_class_body(node, ctx) or _replaces_function(node, ctx):
        return
    scope = ctx.enclosing_function(node)
    calls = ctx.facts.called_builtins if scope is None else ctx.memo(
        "called-names", scope, lambda: called_names(scope)
    )
    if node.id in calls:
        yield hit(node, name=node.id)


def _replaces_function(node: ast.Name, ctx: Context) -> bool:
    """`input = sys.stdin.readline`, `print = lambda *a: ...`: a deliberate stand-in."""
    parent = ctx.parent(node)
    return isinstance(parent, ast.Assign) and isinstance(parent.value, (ast.Lambda, ast.Attribute))


def _in_class_body(node: ast.AST, ctx: Context) -> bool:
    for anc in ctx.ancestors(node):
        if isinstance(anc, ast.ClassDef):
            return True
        if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
    return False


_NAMES_DOCS = f"{PY_DOCS}/reference/executionmodel.html#naming-and-binding"

RULES: tuple[Rule, ...] = (
    Rule(
        id="CC601", name="shadowed-builtin", concept="names",
        on=(ast.Name, ast.FunctionDef, ast.AsyncFunctionDef),
        detect=_shadowed_names,
        message="`{name}` hides Python's built-in `{name}`, which this code also calls",
        why="After this line the name no longer refers to the built-in, so the call `{name}(...)` "
            "in this code fails with a confusing error like \"'{name}' object is not callable\" "
            "(or quietly does something else).",
        idea="Names live in scopes: your own names are looked up before the built-ins, so "
             "reusing a built-in's name hides it for the rest of that scope.",
        hint="Pick a name that says what the value *is* (`scores`, `total`, `user_text`).",
        docs_url=f"{PY_DOCS}/library/functions.html",
        bad=("list = [3, 1, 2]\nnumbers = list(range(3))\n",
             "def total(sum, items):\n    return sum(items) + sum\n",
             "def shout(words):\n    for str in words:\n        print(str(len(str)))\n",
             "max = 0\ndef best(a, b):\n    return max(a, b)\n"),
        good=("class Box:\n    list = []\n", "items = list(range(3))\n", "total = sum([1, 2])\n",
              "sum = 0\nfor n in [1, 2]:\n    sum += n\n", "import sys\ninput = sys.stdin.readline\nn = int(input())\n",
              "def max(a, b):\n    return a if a > b else b\nprint(max(1, 2))\n"),
    ),
    Rule(
        id="CC602", name="undefined-name", concept="names", on=(), detect=None,  # type: ignore[arg-type]
        severity=Severity.ERROR,
        message="`{name}` is not defined",
        why="When this line runs Python looks for a value called `{name}` and finds none, "
            "so the program stops with a NameError.",
        idea="A name exists only after it has been assigned, defined with `def`/`class`, imported, "
             "or is a built-in. Spelling and capitalisation must match exactly.",
        hint="Check the spelling against where you created it, and whether it was created "
             "before this line runs (or inside another function).",
        docs_url=f"{PY_DOCS}/library/exceptions.html#NameError",
        bad=("print(totl)\n", "def f():\n    return reslt\n"),
        good=("total = 1\nprint(total)\n",),
    ),
    Rule(
        id="CC603", name="local-used-before-assignment", concept="scope", on=(), detect=None,  # type: ignore[arg-type]
        severity=Severity.ERROR,
        message="local `{name}` is used before it is assigned in this function",
        why="Because the function assigns to `{name}` somewhere, Python treats it as a local "
            "name everywhere in the function, so reading it before that assignment fails "
            "with UnboundLocalError — even if a global of the same name exists.",
        idea="Whether a name is local is decided for the whole function at once, not line by line.",
        hint="Pass the value in as a parameter, or give the local its own name.",
        docs_url=f"{PY_DOCS}/faq/programming.html#why-am-i-getting-an-unboundlocalerror-when-the-variable-has-a-value",
        bad=("count = 0\ndef bump():\n    count += 1\n",),
        good=("count = 0\ndef bump(count):\n    return count + 1\n",),
    ),
    Rule(
        id="CC604", name="unused-variable", concept="names", on=(), detect=None,  # type: ignore[arg-type]
        severity=Severity.HINT,
        message="`{name}` is assigned but never used",
        why="A value that is computed and then never read is often a sign that the wrong name "
            "was used later on, or that a step of the solution is missing.",
        idea="Every variable should have a reader: something that uses the value it holds.",
        hint="Look for the place where you meant to use `{name}` — maybe you used another name there.",
        docs_url=_NAMES_DOCS,
        bad=("def area(w, h):\n    result = w * h\n    return w * h\n",),
        good=("def area(w, h):\n    result = w * h\n    return result\n",),
    ),
    Rule(
        id="CC605", name="unused-import", concept="modules", on=(), detect=None,  # type: ignore[arg-type]
        severity=Severity.HINT,
        message="`{name}` is imported but never used",
        why="An import that is never used slows start-up a little and makes readers look for "
            "code that is not there.",
        idea="Import what the program uses, where it uses it.",
        hint="Remove the import, or check whether you meant to call something from it.",
        docs_url=f"{PY_DOCS}/tutorial/modules.html",
        bad=("import math\nprint(2 ** 0.5)\n",),
        good=("import math\nprint(math.sqrt(2))\n",),
    ),
    Rule(
        id="CC606", name="statement-outside-its-block", concept="functions", on=(), detect=None,  # type: ignore[arg-type]
        severity=Severity.ERROR,
        message="{what}",
        why="`return` and `yield` only make sense inside a function, `break` and `continue` "
            "only inside a loop. Here the statement is outside, usually because of its indentation.",
        idea="Indentation decides which block a statement belongs to.",
        hint="Indent the statement so it sits inside the function or loop it belongs to.",
        docs_url=f"{PY_DOCS}/reference/simple_stmts.html#the-return-statement",
        bad=("def double(x):\n    y = x * 2\nreturn y\n",),
        good=("def double(x):\n    y = x * 2\n    return y\n",),
    ),
    Rule(
        id="CC607", name="function-redefined", concept="functions", on=(), detect=None,  # type: ignore[arg-type]
        message="`{name}` is defined again here; the earlier definition is lost",
        why="A second `def` (or import) with the same name silently replaces the first one, so "
            "the earlier version can never be called.",
        idea="A `def` is an assignment: it binds the function to its name, like `=` does.",
        hint="Give each function its own name, or delete the version you no longer want.",
        docs_url=f"{PY_DOCS}/reference/compound_stmts.html#function-definitions",
        bad=("def area(r):\n    return r\n\ndef area(r):\n    return 3.14 * r * r\n",),
        good=("def area(r):\n    return 3.14 * r * r\n",),
    ),
    Rule(
        id="CC608", name="duplicate-dict-key", concept="dicts", on=(), detect=None,  # type: ignore[arg-type]
        message="the key {name} appears twice in this dictionary",
        why="A dictionary keeps one value per key: the later entry silently overwrites the "
            "earlier one, so data you typed is lost.",
        idea="Keys in a dictionary are unique.",
        hint="Check whether one of the two keys is a typo for another key.",
        docs_url=f"{PY_DOCS}/tutorial/datastructures.html#dictionaries",
        bad=("ages = {'ann': 3, 'bob': 4, 'ann': 5}\n",),
        good=("ages = {'ann': 3, 'bob': 4}\n",),
    ),
)
