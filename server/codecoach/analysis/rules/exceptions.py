"""Raising and handling errors: catch-alls, silenced errors, things that cannot be raised."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from ..findings import Severity
from .base import PY_DOCS, Context, Hit, Rule, hit, walk_same_scope

_BROAD = frozenset({"Exception", "BaseException"})
_HANDLING = f"{PY_DOCS}/tutorial/errors.html#handling-exceptions"


def _handler_span(node: ast.ExceptHandler, ctx: Context):
    return ctx.first_line_span(node)


def _reraises(node: ast.ExceptHandler) -> bool:
    return any(isinstance(n, ast.Raise) for n in walk_same_scope(node))


def _does_nothing(body: list[ast.stmt]) -> bool:
    return all(
        isinstance(s, (ast.Pass, ast.Continue))
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
            and (s.value.value is Ellipsis or isinstance(s.value.value, str)))
        for s in body
    )


def _is_broad(type_node: ast.AST | None) -> bool:
    if type_node is None:
        return True
    if isinstance(type_node, ast.Name):
        return type_node.id in _BROAD
    if isinstance(type_node, ast.Tuple):
        return any(_is_broad(e) for e in type_node.elts)
    return False


def _bare_except(node: ast.ExceptHandler, ctx: Context) -> Iterator[Hit]:
    if node.type is None and not _reraises(node) and not _does_nothing(node.body):
        yield Hit(span=_handler_span(node, ctx), args={})


def _swallowed(node: ast.ExceptHandler, ctx: Context) -> Iterator[Hit]:
    if _is_broad(node.type) and _does_nothing(node.body):
        what = "except:" if node.type is None else f"except {ast.unparse(node.type)}:"
        yield Hit(span=_handler_span(node, ctx), args={"what": what})


def _raise_string(node: ast.Raise, ctx: Context) -> Iterator[Hit]:
    exc = node.exc
    if isinstance(exc, ast.JoinedStr) or (isinstance(exc, ast.Constant) and isinstance(exc.value, str)) or (
        isinstance(exc, ast.BinOp) and isinstance(exc.op, (ast.Add, ast.Mod))
        and isinstance(exc.left, (ast.Constant, ast.JoinedStr))
        and isinstance(getattr(exc.left, "value", ""), str)
    ):
        yield hit(exc)


def _raise_not_implemented(node: ast.Raise, ctx: Context) -> Iterator[Hit]:
    exc = node.exc
    if isinstance(exc, ast.Call):
        exc = exc.func
    if isinstance(exc, ast.Name) and exc.id == "NotImplemented":
        yield hit(node.exc)  # type: ignore[arg-type]


def _builtin_exception(node: ast.AST) -> type | None:
    if isinstance(node, ast.Name):
        value = getattr(builtins, node.id, None)
        if isinstance(value, type) and issubclass(value, BaseException):
            return value
    return None


def _caught(type_node: ast.AST | None) -> list[type] | None:
    """Builtin exception classes a handler catches; None when we cannot tell."""
    if type_node is None:
        return [BaseException]
    elts = type_node.elts if isinstance(type_node, ast.Tuple) else [type_node]
    classes = [_builtin_exception(e) for e in elts]
    return None if any(c is None for c in classes) else classes  # type: ignore[return-value]


def _handler_order(node: ast.Try, ctx: Context) -> Iterator[Hit]:
    seen: list[tuple[type, str]] = []
    for handler in node.handlers:
        mine = _caught(handler.type)
        if mine is not None and seen:
            for cls in mine:
                for earlier, text in seen:
                    if issubclass(cls, earlier):
                        yield Hit(span=ctx.first_line_span(handler),
                                  args={"later": cls.__name__, "earlier": text})
                        break
                else:
                    continue
                break
        if handler.type is None:
            seen.append((BaseException, "except:"))
        else:
            for e in (handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]):
                cls = _builtin_exception(e)
                if cls is not None:
                    seen.append((cls, cls.__name__))


def _except_with_or(node: ast.ExceptHandler, ctx: Context) -> Iterator[Hit]:
    if isinstance(node.type, ast.BoolOp):
        first = ast.unparse(node.type.values[0])
        kind = "or" if isinstance(node.type.op, ast.Or) else "and"
        shown = first if kind == "or" else ast.unparse(node.type.values[-1])
        yield hit(node.type, op=kind, first=shown, expr=ast.unparse(node.type))


RULES: tuple[Rule, ...] = (
    Rule(
        id="CC501", name="bare-except", concept="exceptions",
        on=(ast.ExceptHandler,), detect=_bare_except,
        message="a bare `except:` catches every error, including your own typos and Ctrl-C",
        why="`except:` with no exception type also catches NameError from a misspelt variable, "
            "KeyboardInterrupt when someone presses Ctrl-C, and SystemExit from `sys.exit()`. "
            "Real bugs get handled as if they were the expected problem, and the program hides them.",
        idea="Catch the specific error you expect at this spot (for example ValueError when "
             "converting text to a number), and let unexpected errors surface.",
        hint="Which exact error did you expect this `try` block to raise? Run it with bad input "
             "and read the name Python prints.",
        docs_url=_HANDLING,
        bad=("try:\n    n = int(input())\nexcept:\n    print('not a number')\n",
             "try:\n    f = open('data.txt')\nexcept:\n    f = None\n"),
        good=("try:\n    n = int(input())\nexcept ValueError:\n    print('not a number')\n",
              "try:\n    work()\nexcept:\n    cleanup()\n    raise\n"),
    ),
    Rule(
        id="CC502", name="swallowed-exception", concept="exceptions",
        on=(ast.ExceptHandler,), detect=_swallowed,
        message="`{what}` followed by nothing silently hides every error in the `try` block",
        why="Any error raised in the `try` block — including bugs such as a misspelt name — "
            "disappears without a trace. The program carries on with missing results, and the "
            "real cause is very hard to find later.",
        idea="An `except` block is where you *handle* a problem you expected. If you do not know "
             "what to do about an error, it is usually better to let it stop the program with "
             "its message.",
        hint="Narrow the `except` to the error you expect, and do something visible with it "
             "(a message, a default value) — or remove the `try` while you are still debugging.",
        docs_url=_HANDLING,
        bad=("try:\n    value = int(text)\nexcept:\n    pass\n",
             "for line in lines:\n    try:\n        total += float(line)\n    except Exception:\n        continue\n"),
        good=("try:\n    value = int(text)\nexcept ValueError:\n    pass\n",
              "try:\n    value = int(text)\nexcept Exception:\n    value = 0\n"),
    ),
    Rule(
        id="CC503", name="raise-string", concept="exceptions",
        on=(ast.Raise,), detect=_raise_string,
        severity=Severity.ERROR,
        message="only exceptions can be raised; this raises a string, which is a TypeError",
        why="`raise` needs an exception object (an instance of a class derived from "
            "BaseException). Raising a string fails with "
            "\"TypeError: exceptions must derive from BaseException\" instead of your message.",
        idea="Errors are objects with a type; the message is an argument to the exception class.",
        hint="Pick a fitting built-in exception class (ValueError, TypeError, ...) and pass your "
             "message to it.",
        docs_url=f"{PY_DOCS}/tutorial/errors.html#raising-exceptions",
        bad=("raise 'invalid age'\n", "def check(x):\n    if x < 0:\n        raise f'bad value {x}'\n"),
        good=("raise ValueError('invalid age')\n", "def check(x):\n    if x < 0:\n        raise ValueError(f'bad value {x}')\n"),
    ),
    Rule(
        id="CC504", name="raise-not-implemented", concept="exceptions",
        on=(ast.Raise,), detect=_raise_not_implemented,
        severity=Severity.ERROR,
        message="`NotImplemented` is not an exception; did you mean `NotImplementedError`?",
        why="`NotImplemented` is a special value that operator methods such as `__eq__` return. "
            "It is not an exception class, so raising it fails with a TypeError.",
        idea="`NotImplementedError` is the exception for \"this method must be written by a "
             "subclass\"; `NotImplemented` is a return value for binary operators.",
        hint="Compare the two names in the list of built-in exceptions.",
        docs_url=f"{PY_DOCS}/library/exceptions.html#NotImplementedError",
        bad=("class Shape:\n    def area(self):\n        raise NotImplemented\n",
             "def todo():\n    raise NotImplemented('later')\n"),
        good=("class Shape:\n    def area(self):\n        raise NotImplementedError\n",
              "class V:\n    def __eq__(self, other):\n        return NotImplemented\n"),
    ),
    Rule(
        id="CC505", name="unreachable-except", concept="exceptions",
        on=(ast.Try,), detect=_handler_order,
        message="this handler never runs: `{later}` is already caught by `{earlier}` above",
        why="Python tries the `except` clauses from top to bottom and uses the first that matches. "
            "`{later}` is a kind of `{earlier}`, so the earlier clause always wins.",
        idea="Exceptions form a family tree: catching a parent class also catches all its "
             "children. Specific handlers must come before general ones.",
        hint="Reorder the `except` clauses from the most specific to the most general.",
        docs_url=f"{PY_DOCS}/library/exceptions.html#exception-hierarchy",
        bad=("try:\n    n = int(s)\nexcept Exception:\n    n = 0\nexcept ValueError:\n    n = -1\n",
             "try:\n    v = d[k]\nexcept LookupError:\n    v = None\nexcept KeyError:\n    v = 0\n"),
        good=("try:\n    n = int(s)\nexcept ValueError:\n    n = -1\nexcept Exception:\n    n = 0\n",
              "try:\n    v = d[k]\nexcept KeyError:\n    v = 0\nexcept MyError:\n    v = 1\n"),
    ),
    Rule(
        id="CC506", name="except-with-or", concept="exceptions",
        on=(ast.ExceptHandler,), detect=_except_with_or,
        message="`except {expr}` catches only `{first}`: `{op}` picks one class, it does not list them",
        why="`{op}` is evaluated first, like in any expression, and gives back just one of the "
            "classes (`{first}`). The other exception types are not caught at all.",
        idea="To catch several exception types in one clause, list them in a tuple.",
        hint="Look up how an `except` clause names more than one exception type.",
        docs_url=_HANDLING,
        bad=("try:\n    n = int(s)\nexcept ValueError or TypeError:\n    n = 0\n",
             "try:\n    v = d[k]\nexcept (KeyError or IndexError):\n    v = None\n"),
        good=("try:\n    n = int(s)\nexcept (ValueError, TypeError):\n    n = 0\n",
              "try:\n    n = int(s)\nexcept ValueError:\n    n = 0\n"),
    ),
)
