"""What a failure looked like, in values: runs in the child, right where it happened.

`executing` names the exact AST node a frame was running (the ``values[i]`` that
raised, not just its line), `pure_eval` evaluates that node's parts without side
effects (names, attributes, subscripts, literals: never a call), and
`stack_data` walks the traceback, collapsing the repeated frames of a deep
recursion. What comes out is plain data (strings and numbers) for the server
to turn into a learner's message; this module never writes English sentences.
"""

from __future__ import annotations

import ast
import inspect
import reprlib
from collections import Counter
from collections.abc import Iterable
from types import FrameType, TracebackType
from typing import Any

import pure_eval
import stack_data

MAX_VALUES = 8
MAX_FRAMES = 8
REPR_CHARS = 120


class _ShortRepr(reprlib.Repr):
    def __init__(self) -> None:
        super().__init__()
        self.maxstring = 60
        self.maxother = 60
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = 10
        self.maxdict = 8
        self.maxlevel = 4

    # Slice before repr: the plain repr of an 8 MB bytearray is a 32 MB string.
    def repr_bytes(self, value: bytes, level: int) -> str:
        return repr(value[:40]) + ("…" if len(value) > 40 else "")

    def repr_bytearray(self, value: bytearray, level: int) -> str:
        shown = f"bytearray({bytes(value[:24])!r}"
        return shown + (f"… {len(value):,} bytes)" if len(value) > 24 else ")")


_short = _ShortRepr()


def short_repr(value: Any, limit: int = REPR_CHARS) -> str:
    """A repr that is short, and survives a learner's __repr__ that raises."""
    try:
        text = _short.repr(value)
    except Exception as error:  # noqa: BLE001 - their __repr__ is their code
        text = f"<{type(value).__name__} whose repr raised {type(error).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Files:
    """Which code is the learner's: the files of the throwaway folder and doctest examples."""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/") + "/"
        # '<doctest search[0]>' -> (file, 1-based line of the example's first line)
        self.doctests: dict[str, tuple[str, int]] = {}

    def name(self, filename: str) -> str | None:
        if filename.startswith(self.root) and filename.endswith(".py"):
            return filename[len(self.root):]
        return None

    def place(self, filename: str, line: int | None) -> tuple[str, int] | None:
        """(file name in the learner's folder, 1-based line) of a code location, or None if not theirs."""
        if line is None:
            return None
        name = self.name(filename)
        if name is not None:
            return name, line
        doctest = self.doctests.get(filename)
        if doctest is not None:
            return doctest[0], doctest[1] + line - 1
        return None

    def where(self, frame: FrameType | None) -> tuple[str, int] | None:
        """The innermost frame, from `frame` outwards, that runs the learner's code."""
        while frame is not None:
            place = self.place(frame.f_code.co_filename, frame.f_lineno)
            if place is not None:
                return place
            frame = frame.f_back
        return None

    def learner_frame(self, frame: FrameType | None) -> FrameType | None:
        while frame is not None:
            if self.place(frame.f_code.co_filename, frame.f_lineno) is not None:
                return frame
            frame = frame.f_back
        return None


def _source(node: ast.AST | None, limit: int = 80) -> str | None:
    if node is None:
        return None
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _interesting(value: Any) -> bool:
    return not (inspect.ismodule(value) or inspect.isclass(value) or inspect.isroutine(value))


# --------------------------------------------------------------------------- exceptions


def describe_exception(error: BaseException, files: Files) -> dict[str, Any]:
    """Where in the learner's code `error` was raised, the node, its values and type-specific facts."""
    tb = error.__traceback__
    result: dict[str, Any] = {
        "type": type(error).__name__,
        "message": short_repr_text(error),
        "frames": [],
        "site": None,
        "values": [],
        "facts": {},
    }
    if tb is None:
        return result
    site_info: stack_data.FrameInfo | None = None
    frames: list[dict[str, Any]] = []
    recursion: list[TracebackType | FrameType] = []
    try:
        for item in stack_data.FrameInfo.stack_data(tb, stack_data.Options(before=0, after=0),
                                                     collapse_repeated_frames=True):
            if isinstance(item, stack_data.RepeatedFrames):
                mine = [f for f in item.frames if _place_of(f, files) is not None]
                if mine:
                    recursion = mine
                    frames.append({"repeated": len(item.frames), "description": _describe_repeats(item, files)})
                continue
            place = files.place(item.code.co_filename, item.lineno)
            if place is None:
                continue
            site_info = item
            frames.append({"file": place[0], "line": place[1], "function": item.code.co_name})
    except Exception:  # noqa: BLE001 - stack_data is best effort; fall back to the bare traceback
        site_info = None
        frames = [{"file": p[0], "line": p[1], "function": f.f_code.co_name}
                  for f, p in _learner_tb_entries(tb, files)]
    result["frames"] = frames[-MAX_FRAMES:]
    if site_info is None:
        entries = _learner_tb_entries(tb, files)
        if entries:
            frame, place = entries[-1]
            result["site"] = {"file": place[0], "line": place[1], "function": frame.f_code.co_name}
        return result

    place = files.place(site_info.code.co_filename, site_info.lineno)
    site: dict[str, Any] = {"file": place[0], "line": place[1], "function": site_info.code.co_name}
    node = None
    try:
        node = site_info.executing.node
    except Exception:  # noqa: BLE001
        node = None
    if node is not None:
        site["node"] = _source(node)
        site["node_type"] = type(node).__name__
        start = files.place(site_info.code.co_filename, getattr(node, "lineno", None))
        end = files.place(site_info.code.co_filename, getattr(node, "end_lineno", None))
        if start and end and start[1] == place[1]:
            site["column"] = node.col_offset
            site["end_line"] = end[1]
            site["end_column"] = node.end_col_offset
    result["site"] = site

    evaluator = pure_eval.Evaluator.from_frame(site_info.frame)
    result["values"] = _values(site_info, evaluator, node)
    result["facts"] = _facts(error, node, evaluator, recursion, site_info.frame, tb)
    return result


def short_repr_text(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:  # noqa: BLE001
        text = ""
    return text if len(text) <= 300 else text[:299] + "…"


def _place_of(frame_or_tb: Any, files: Files) -> tuple[str, int] | None:
    if isinstance(frame_or_tb, TracebackType):
        return files.place(frame_or_tb.tb_frame.f_code.co_filename, frame_or_tb.tb_lineno)
    return files.place(frame_or_tb.f_code.co_filename, frame_or_tb.f_lineno)


def _learner_tb_entries(tb: TracebackType | None, files: Files) -> list[tuple[FrameType, tuple[str, int]]]:
    entries = []
    while tb is not None:
        place = files.place(tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        if place is not None:
            entries.append((tb.tb_frame, place))
        tb = tb.tb_next
    return entries


def site_only(error: BaseException, files: Files) -> dict[str, Any]:
    """The cheapest description (no values): for a MemoryError, when every byte counts."""
    entries = _learner_tb_entries(error.__traceback__, files)
    site = None
    if entries:
        frame, place = entries[-1]
        site = {"file": place[0], "line": place[1], "function": frame.f_code.co_name}
    return {"type": type(error).__name__, "message": "", "frames": [], "site": site, "values": [], "facts": {}}


def _describe_repeats(item: stack_data.RepeatedFrames, files: Files) -> str:
    names = {}
    for code, line in item.frame_keys:
        place = files.place(code.co_filename, line)
        if place is not None:
            names[code.co_name] = names.get(code.co_name, 0) + 1
    return ", ".join(f"{name} ×{count}" for name, count in names.items())


def _values(site_info: stack_data.FrameInfo, evaluator: pure_eval.Evaluator, node: ast.AST | None) -> list:
    found: list[list[str]] = []
    seen: set[str] = set()
    try:
        if node is not None:
            for nodes, value in evaluator.interesting_expressions_grouped(node):
                text = _source(nodes[0], 60)
                if text and text not in seen and _interesting(value):
                    seen.add(text)
                    found.append([text, short_repr(value)])
        for variable in site_info.variables_in_executing_piece:
            if variable.name not in seen and _interesting(variable.value):
                seen.add(variable.name)
                found.append([variable.name, short_repr(variable.value)])
    except Exception:  # noqa: BLE001 - values are a bonus; the finding stands without them
        pass
    return found[:MAX_VALUES]


def _evaluate(evaluator: pure_eval.Evaluator, node: ast.AST | None) -> tuple[bool, Any]:
    if node is None:
        return False, None
    try:
        return True, evaluator[node]
    except Exception:  # noqa: BLE001 - CannotEval, or their __getattr__ raising
        return False, None


def _operands(node: ast.AST) -> Iterable[ast.AST]:
    if isinstance(node, ast.BinOp):
        yield from (node.left, node.right)
    elif isinstance(node, ast.AugAssign):
        yield from (node.target, node.value)
    elif isinstance(node, (ast.Subscript, ast.Attribute)):
        yield node.value
    elif isinstance(node, ast.Call):
        yield node.func
        yield from node.args
    elif isinstance(node, ast.Compare):
        yield node.left
        yield from node.comparators
    elif isinstance(node, ast.UnaryOp):
        yield node.operand
    elif isinstance(node, (ast.For, ast.comprehension)):
        yield node.iter


def _facts(error: BaseException, node: ast.AST | None, evaluator: pure_eval.Evaluator,
           recursion: list, frame: FrameType, tb: TracebackType | None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if isinstance(error, RecursionError) and recursion:
        return _recursion_facts(recursion, tb)
    if isinstance(error, NameError):
        facts["name"] = getattr(error, "name", None)
        facts["function"] = frame.f_code.co_name
        return facts
    if node is None:
        return facts
    if isinstance(error, (IndexError, KeyError)):
        if isinstance(node, ast.Subscript):
            known, container = _evaluate(evaluator, node.value)
            facts["container_source"] = _source(node.value, 40)
            facts["index_source"] = _source(node.slice, 40)
            if known:
                facts["container_type"] = type(container).__name__
                try:
                    facts["container_len"] = len(container)
                except Exception:  # noqa: BLE001
                    pass
                if isinstance(error, KeyError) and hasattr(container, "keys"):
                    try:
                        keys = list(container.keys())
                        facts["keys"] = [short_repr(k, 30) for k in keys[:6]]
                        facts["keys_count"] = len(keys)
                    except Exception:  # noqa: BLE001
                        pass
            known, index = _evaluate(evaluator, node.slice)
            if known and not isinstance(node.slice, ast.Constant):
                facts["index_value"] = short_repr(index, 40)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            facts["method"] = node.func.attr
            facts["container_source"] = _source(node.func.value, 40)
            known, container = _evaluate(evaluator, node.func.value)
            if known:
                facts["container_type"] = type(container).__name__
                try:
                    facts["container_len"] = len(container)
                except Exception:  # noqa: BLE001
                    pass
        if isinstance(error, KeyError) and error.args:
            facts["key"] = short_repr(error.args[0], 40)
        return facts
    if isinstance(error, ZeroDivisionError):
        divisor = node.right if isinstance(node, ast.BinOp) else node.value if isinstance(node, ast.AugAssign) else None
        if divisor is not None:
            facts["divisor_source"] = _source(divisor, 40)
        return facts
    if isinstance(error, (TypeError, AttributeError)):
        for operand in _operands(node):
            known, value = _evaluate(evaluator, operand)
            if known and value is None:
                facts["none_source"] = _source(operand, 40)
                break
        if isinstance(error, AttributeError):
            facts["attribute"] = getattr(error, "name", None) or (node.attr if isinstance(node, ast.Attribute) else None)
            if isinstance(node, ast.Attribute):
                facts["object_source"] = _source(node.value, 40)
                known, value = _evaluate(evaluator, node.value)
                if known:
                    facts["object_type"] = type(value).__name__
    return facts


def _recursion_facts(frames: list, tb: TracebackType | None) -> dict[str, Any]:
    raw = [f.tb_frame if isinstance(f, TracebackType) else f for f in frames]
    code = max({f.f_code for f in raw}, key=lambda c: sum(1 for f in raw if f.f_code is c))
    mine = []  # every call of that function, from the first one (stack_data only collapsed the middle)
    while tb is not None:
        if tb.tb_frame.f_code is code:
            mine.append(tb.tb_frame)
        tb = tb.tb_next
    params = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]

    def call(frame: FrameType) -> list[list[str]]:
        return [[p, short_repr(frame.f_locals.get(p), 40)] for p in params[:4] if p in frame.f_locals]

    # The line that makes the recursive call (the innermost frame is at the def: it never got further).
    calling = Counter(f.f_lineno for f in mine[:-1]).most_common(1)
    return {
        "function": code.co_name,
        "call_line": calling[0][0] if calling else None,
        "depth": len(mine),
        "first_calls": [call(f) for f in mine[:3]],
        "last_calls": [call(f) for f in mine[-3:]],
    }


# --------------------------------------------------------------------------- calls and samples


def describe_call(func: Any, args: tuple, kwargs: dict, files: Files) -> dict[str, Any] | None:
    """The learner's function an example called, and the arguments it got (as they were passed)."""
    target = getattr(func, "__func__", func)
    code = getattr(target, "__code__", None)
    if code is None:
        return None
    place = files.place(code.co_filename, code.co_firstlineno)
    if place is None:
        return None
    described: dict[str, Any] = {"function": getattr(target, "__qualname__", code.co_name),
                                 "file": place[0], "def_line": place[1], "args": []}
    try:
        bound = inspect.signature(func).bind_partial(*args, **kwargs)
        described["args"] = [[name, short_repr(value, 80)] for name, value in bound.arguments.items()][:MAX_VALUES]
    except (TypeError, ValueError):
        described["args"] = [[f"argument {i + 1}", short_repr(a, 80)] for i, a in enumerate(args[:MAX_VALUES])]
    return described


def sample(frame: FrameType | None, files: Files) -> dict[str, Any] | None:
    """Where the learner's code is right now and its local values (called from a signal handler)."""
    frame = files.learner_frame(frame)
    if frame is None:
        return None
    place = files.place(frame.f_code.co_filename, frame.f_lineno)
    local_values = {}
    for name, value in list(frame.f_locals.items())[:12]:
        if name.startswith("__") or not _interesting(value):
            continue
        local_values[name] = short_repr(value, 60)
    return {"file": place[0], "line": place[1], "function": frame.f_code.co_name, "locals": local_values}
