"""Which programming concepts a piece of code uses.

The taxonomy follows exercism's Python track concept names where one exists,
so a learner's progress reads like a curriculum. Tagging happens in the
engine's single walk: each AST node type maps to a tagger.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import Any

# slug -> human label. The slug is the stable identifier stored in memory.
TAXONOMY: dict[str, str] = {
    "basics": "Basics (names and assignment)",
    "bools": "Booleans",
    "comparisons": "Comparisons",
    "conditionals": "Conditionals",
    "loops": "Loops",
    "while-loops": "While loops",
    "lists": "Lists",
    "list-methods": "List methods",
    "tuples": "Tuples",
    "dicts": "Dictionaries",
    "dict-methods": "Dictionary methods",
    "sets": "Sets",
    "strings": "Strings",
    "string-methods": "String methods",
    "string-formatting": "String formatting (f-strings)",
    "numbers": "Numbers and arithmetic",
    "functions": "Functions",
    "function-arguments": "Function arguments",
    "return-values": "Return values",
    "recursion": "Recursion",
    "classes": "Classes",
    "inheritance": "Inheritance",
    "exceptions": "Raising and handling errors",
    "generators": "Generators",
    "comprehensions": "Comprehensions",
    "generator-expressions": "Generator expressions",
    "lambdas": "Lambdas",
    "closures": "Closures",
    "decorators": "Decorators",
    "context-managers": "Context managers (with)",
    "unpacking": "Unpacking and multiple assignment",
    "none": "None",
    "slicing": "Slicing and indexing",
    "iteration": "Iterators, range and enumerate",
    "input-output": "Input and output",
    "modules": "Modules and imports",
    "scope": "Scope (global and nonlocal)",
    "syntax": "Python syntax",
    "names": "Names and variables",
}

Tagger = Callable[[Any, Any], Iterable[str]]

_LIST_METHODS = {"append", "extend", "insert", "pop", "remove", "sort", "reverse", "index", "count", "clear", "copy"}
_DICT_METHODS = {"items", "keys", "values", "get", "setdefault", "update", "popitem"}
_STRING_METHODS = {
    "upper", "lower", "strip", "lstrip", "rstrip", "split", "join", "replace",
    "startswith", "endswith", "find", "format", "title", "capitalize", "isdigit",
    "isalpha", "splitlines", "zfill", "center", "ljust", "rjust",
}


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Any) -> Iterable[str]:
    yield "functions"
    args = node.args
    if args.defaults or args.kw_defaults or args.vararg or args.kwarg or args.kwonlyargs:
        yield "function-arguments"
    if node.decorator_list:
        yield "decorators"
    body_nodes = list(ast.walk(node))
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in body_nodes):
        yield "generators"
    if any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == node.name
        for n in body_nodes
    ):
        yield "recursion"
    if ctx.enclosing_function(node) is not None:
        yield "closures"


def _call(node: ast.Call, ctx: Any) -> Iterable[str]:
    func = node.func
    if isinstance(func, ast.Name):
        name = func.id
        if name in ("print", "input", "open"):
            yield "input-output"
        elif name in ("range", "enumerate", "zip", "iter", "next"):
            yield "iteration"
        elif name in ("int", "float", "abs", "round", "divmod", "pow"):
            yield "numbers"
        elif name == "dict":
            yield "dicts"
        elif name == "set":
            yield "sets"
        elif name == "list":
            yield "lists"
        elif name == "tuple":
            yield "tuples"
    elif isinstance(func, ast.Attribute):
        attr = func.attr
        if attr in _LIST_METHODS:
            yield "list-methods"
        if attr in _DICT_METHODS:
            yield "dict-methods"
        if attr in _STRING_METHODS:
            yield "string-methods"


def _constant(node: ast.Constant, ctx: Any) -> Iterable[str]:
    value = node.value
    if isinstance(value, bool):
        yield "bools"
    elif value is None:
        yield "none"
    elif isinstance(value, str):
        parent = ctx.parent(node)
        if not isinstance(parent, (ast.JoinedStr, ast.Expr)):  # docstrings are not "strings" practice
            yield "strings"
    elif isinstance(value, (int, float, complex)):
        pass  # every program has numbers; arithmetic is tagged on BinOp


def _assign(node: ast.Assign | ast.AnnAssign | ast.AugAssign, ctx: Any) -> Iterable[str]:
    yield "basics"
    targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
    if any(isinstance(t, (ast.Tuple, ast.List, ast.Starred)) for t in targets if t is not None):
        yield "unpacking"


def _for(node: ast.For | ast.AsyncFor, ctx: Any) -> Iterable[str]:
    yield "loops"
    if isinstance(node.target, ast.Tuple):
        yield "unpacking"


def _class(node: ast.ClassDef, ctx: Any) -> Iterable[str]:
    yield "classes"
    if node.bases:
        yield "inheritance"


def _comprehension(node: ast.AST, ctx: Any) -> Iterable[str]:
    yield "comprehensions"
    if isinstance(node, ast.DictComp):
        yield "dicts"
    elif isinstance(node, ast.SetComp):
        yield "sets"
    elif isinstance(node, ast.ListComp):
        yield "lists"


def _binop(node: ast.BinOp, ctx: Any) -> Iterable[str]:
    if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
        yield "string-formatting"
    else:
        yield "numbers"


def _const(*concepts: str) -> Tagger:
    def tag(node: Any, ctx: Any) -> Iterable[str]:
        return concepts

    return tag


TAGGERS: dict[type, Tagger] = {
    ast.FunctionDef: _function,
    ast.AsyncFunctionDef: _function,
    ast.Return: _const("return-values"),
    ast.Lambda: _const("lambdas"),
    ast.ClassDef: _class,
    ast.Call: _call,
    ast.Constant: _constant,
    ast.Assign: _assign,
    ast.AnnAssign: _assign,
    ast.AugAssign: _assign,
    ast.For: _for,
    ast.AsyncFor: _for,
    ast.While: _const("loops", "while-loops"),
    ast.If: _const("conditionals"),
    ast.IfExp: _const("conditionals"),
    ast.Compare: _const("comparisons"),
    ast.BoolOp: _const("bools"),
    ast.List: _const("lists"),
    ast.Tuple: _const("tuples"),
    ast.Dict: _const("dicts"),
    ast.Set: _const("sets"),
    ast.JoinedStr: _const("string-formatting"),
    ast.ListComp: _comprehension,
    ast.SetComp: _comprehension,
    ast.DictComp: _comprehension,
    ast.GeneratorExp: _const("generator-expressions"),
    ast.Slice: _const("slicing"),
    ast.Subscript: _const("slicing"),
    ast.Try: _const("exceptions"),
    ast.Raise: _const("exceptions"),
    ast.With: _const("context-managers"),
    ast.AsyncWith: _const("context-managers"),
    ast.Import: _const("modules"),
    ast.ImportFrom: _const("modules"),
    ast.Global: _const("scope"),
    ast.Nonlocal: _const("scope", "closures"),
    ast.BinOp: _binop,
}
if hasattr(ast, "TryStar"):
    TAGGERS[ast.TryStar] = _const("exceptions")


def label(slug: str) -> str:
    return TAXONOMY.get(slug, slug.replace("-", " ").capitalize())


def concept_slug(text: str) -> str | None:
    """A concept slug from a slug or a label, case-insensitive ('Loops', 'while loops', 'while-loops')."""
    key = text.strip().lower().replace("_", "-")
    if key in TAXONOMY:
        return key
    if key.replace(" ", "-") in TAXONOMY:
        return key.replace(" ", "-")
    for slug, name in TAXONOMY.items():
        if name.lower() == key:
            return slug
    return None


def unknown_concept(text: str) -> str:
    """What to tell someone who asked for a concept that does not exist: close matches, then all."""
    import difflib

    close = difflib.get_close_matches(text.lower(), list(TAXONOMY), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"unknown concept {text!r}{hint}; known concepts: {', '.join(TAXONOMY)}"
