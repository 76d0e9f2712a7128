"""Typed settings that fail soft.

Settings arrive from the editor (initializationOptions, didChangeConfiguration)
as loosely typed JSON. Each field is parsed on its own: a bad value produces one
clear message and that field keeps its default, so a typo in one setting never
disables the others. The table below is the single description of every
setting; docs/settings.md and the extension's contributions follow it.

pydantic would do this too, but importing it costs ~0.1 s on the start-up path
that the cold-start budget (1.3x a bare pygls server) cannot spare.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .analysis.findings import Severity

LOG_LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}


def _int_between(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise ValueError(f"expected a whole number between {low} and {high}")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return int(value)

    return parse


def _choice(*options: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in options:
            raise ValueError("expected one of " + ", ".join(options))
        return value.lower()

    return parse


def _rule_ids(value: Any) -> frozenset[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError('expected a list of rule ids, e.g. ["CC103"]')
    return frozenset(v.strip().upper() for v in value)


def _severities(value: Any) -> dict[str, Severity]:
    if not isinstance(value, Mapping):
        raise ValueError('expected an object such as {"CC103": "hint"}')
    return {str(rule).upper(): Severity.parse(str(level)) for rule, level in value.items()}


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[Any], Any]
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting("debounceMs", 300, _int_between(0, 10_000),
            "Quiet time after the last keystroke before a file is analyzed, in milliseconds."),
    Setting("logLevel", "info", _choice(*LOG_LEVELS),
            "How much the server writes to the Code Coach output channel: error, warning, info or debug."),
    Setting("disabledRules", frozenset(), _rule_ids,
            'Rule ids that are never reported, e.g. ["CC103", "CC605"].'),
    Setting("ruleSeverity", {}, _severities,
            'Severity per rule id: error, warning, information or hint, e.g. {"CC604": "hint"}.'),
    Setting("behaviourHints", True, lambda v: _bool(v),
            "Show hints derived from how you edit (rewriting the same code many times, a mistake that keeps coming back)."),
    Setting("churnEdits", 6, _int_between(2, 1000),
            "Edits to the same function within the churn window that count as 'rewritten many times'."),
    Setting("churnWindowSeconds", 180, _int_between(10, 86_400),
            "The window, in seconds, in which churn edits are counted."),
    Setting("syntaxStreakEdits", 8, _int_between(2, 1000),
            "Consecutive analyses with a syntax error before the coach offers help."),
    Setting("hintCooldownMinutes", 10, _int_between(0, 1440),
            "At most one editing-behaviour hint per code region within this many minutes."),
)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


@dataclass(frozen=True)
class Settings:
    debounceMs: int = 300
    logLevel: str = "info"
    disabledRules: frozenset[str] = field(default_factory=frozenset)
    ruleSeverity: dict[str, Severity] = field(default_factory=dict)
    behaviourHints: bool = True
    churnEdits: int = 6
    churnWindowSeconds: int = 180
    syntaxStreakEdits: int = 8
    hintCooldownMinutes: int = 10

    @property
    def log_level(self) -> int:
        return LOG_LEVELS[self.logLevel]

    def updated(self, raw: Any) -> tuple[Settings, list[str]]:
        """Apply the values present in `raw`; return the new settings and one message per bad value."""
        if raw is None:
            return self, []
        if not isinstance(raw, Mapping):
            return self, [f"Code Coach settings must be an object, got {type(raw).__name__}; keeping the current settings."]
        raw = _unwrap(raw)
        problems: list[str] = []
        changes: dict[str, Any] = {}
        for setting in SETTINGS:
            if setting.name not in raw or raw[setting.name] is None:
                continue
            try:
                changes[setting.name] = setting.parse(raw[setting.name])
            except ValueError as error:
                problems.append(
                    f"Setting codecoach.{setting.name} = {raw[setting.name]!r} is invalid ({error}); "
                    f"using the default {_show(setting.default)}."
                )
                changes[setting.name] = setting.default
        known = {s.name for s in SETTINGS}
        for name in sorted(set(raw) - known):
            if not isinstance(raw[name], Mapping):
                logging.getLogger(__name__).debug("ignoring unknown setting %s", name)
        return replace(self, **changes), problems


def _unwrap(raw: Mapping) -> Mapping:
    """Accept {"codecoach": {...}} (VS Code's section push) as well as the section itself."""
    section = raw.get("codecoach")
    return section if isinstance(section, Mapping) else raw


def _show(value: Any) -> str:
    if isinstance(value, frozenset):
        return str(sorted(value))
    return repr(value)


assert {f.name for f in fields(Settings)} == {s.name for s in SETTINGS}
assert all(getattr(Settings(), s.name) == s.default for s in SETTINGS)
