"""Typed command arguments: one attrs class per command, structured in one place.

Every Code Coach command takes (at most) one JSON object. pygls can structure
typed handler parameters itself, but its errors ("Expected 1 arguments, got 2")
do not say what the command wants; `parse` gives the editor a message that
does ("codecoach.explain takes one object argument with uri, range").
"""

from typing import Any, TypeVar

import attrs
from lsprotocol import types as lsp
from lsprotocol.converters import get_converter
from pygls.exceptions import JsonRpcInvalidParams

T = TypeVar("T")
_converter = get_converter()


def _key(name: str) -> dict:
    """The JSON key of a field whose name is a Python keyword (`from`)."""
    return {"key": name}


@attrs.define(frozen=True)
class ExplainArgs:
    uri: str
    range: lsp.Range


@attrs.define(frozen=True)
class DisableRuleArgs:
    rule: str


@attrs.define(frozen=True)
class FeedbackArgs:
    rule: str
    helpful: bool
    uri: str = ""
    note: str = ""


@attrs.define(frozen=True)
class SummaryArgs:
    period: str = "day"
    start: str | None = attrs.field(default=None, metadata=_key("from"))
    end: str | None = attrs.field(default=None, metadata=_key("to"))


@attrs.define(frozen=True)
class RecommendArgs:
    concept: str | None = None


@attrs.define(frozen=True)
class NoArgs:
    pass


def one_object(args: tuple, command: str, required: tuple[str, ...] = ()) -> dict:
    """The single object argument with its required keys; nothing (or null) is {} when none are required."""
    if not required and (not args or (len(args) == 1 and args[0] is None)):
        return {}
    if len(args) != 1 or not isinstance(args[0], dict) or any(key not in args[0] for key in required):
        if required:
            raise JsonRpcInvalidParams(f"{command} takes one object argument with {', '.join(required)}")
        raise JsonRpcInvalidParams(f"{command} takes at most one object argument")
    return args[0]


def parse(args: tuple | dict, kind: type[T], command: str) -> T:
    """`args` (a command's arguments, or the object already taken from them) as a `kind`."""
    fields = attrs.fields(kind)
    keys = {f.name: f.metadata.get("key", f.name) for f in fields}
    required = tuple(keys[f.name] for f in fields if f.default is attrs.NOTHING)
    raw = args if isinstance(args, dict) else one_object(args, command, required)
    values: dict[str, Any] = {}
    for item in fields:
        key = keys[item.name]
        if raw.get(key) is None:
            continue
        try:
            values[item.name] = _structure(raw[key], item.type)
        except Exception as error:  # noqa: BLE001 - cattrs raises several kinds
            raise JsonRpcInvalidParams(f"{command}: {key} is not {_describe(item.type)} ({_first_line(error)})") \
                from None
    return kind(**values)


def unstructure(value: Any) -> Any:
    return _converter.unstructure(value)


def _structure(value: Any, kind: Any) -> Any:
    # cattrs would turn "yes" into True and 5 into "5": plain JSON types are checked as they are.
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if kind in (str, str | None):
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value
    return _converter.structure(value, kind)


def _describe(kind: Any) -> str:
    if kind is lsp.Range:
        return "an LSP range"
    return "true or false" if kind is bool else "a string"


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:120]
