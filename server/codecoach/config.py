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
from .providers.models import DEFAULT_MODEL

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
    # -- cloud analysis (Gemini through LangChain); nothing leaves the machine unless cloudEnabled
    Setting("cloudEnabled", False, lambda v: _bool(v),
            "Send settled, redacted code to Gemini for deeper analysis. Needs GOOGLE_API_KEY. Off by default."),
    Setting("model", DEFAULT_MODEL, lambda v: _text(v),
            "The Gemini model used for cloud analysis and explanations. It is checked against Google's list "
            "of models when cloud analysis starts; one that is not available is replaced by the best "
            "available model of its family."),
    Setting("temperature", 0.2, lambda v: _float_between(0.0, 2.0)(v),
            "Sampling temperature of the cloud model (0 = most deterministic). Gemini 3.5 Flash-Lite, "
            "3.6 Flash and newer use fixed sampling and ignore it."),
    Setting("requestsPerMinute", 8, _int_between(1, 1000),
            "At most this many cloud requests per minute (the free tier allows about 10)."),
    Setting("requestsPerHour", 60, _int_between(1, 10_000),
            "At most this many Gemini requests per hour, so an hour of typing never spends more than a fair "
            "share of the day. Explanations leave the last third of the hour to analysis."),
    Setting("requestsPerDay", 200, _int_between(1, 100_000),
            "At most this many cloud requests per day; the count survives restarts and resets at midnight Pacific time."),
    Setting("settleSeconds", 4, _int_between(1, 600),
            "Seconds of quiet after the last edit before the coach remembers what it showed (a mistake "
            "that only flickers by while you type is not a struggle) and, with cloud analysis on, sends "
            "the changed functions to Gemini."),
    Setting("cloudSettleSeconds", 20, _int_between(1, 3600),
            "Seconds of quiet on a file before its changed functions go to Gemini: a thinking pause in the "
            "middle of a function is not a finished change."),
    Setting("providers", ("gemini", "offline"), lambda v: _providers(v),
            'Analysis providers in order of preference: "gemini", "ollama", "offline" (always last).'),
    Setting("excludeGlobs", (), lambda v: _globs(v),
            'Extra file globs never sent to the cloud, besides .env*, *secret*, *.pem, *.key, e.g. ["**/homework/**"].'),
    Setting("timeoutSeconds", 30, _int_between(2, 300),
            "Timeout of one cloud request, in seconds."),
    Setting("breakerFailures", 3, _int_between(1, 100),
            "Consecutive failures after which a provider is skipped for the cooldown."),
    Setting("breakerCooldownSeconds", 300, _int_between(5, 86_400),
            "How long a failing provider is skipped before one probe request is tried."),
    Setting("ollamaModel", "qwen2.5-coder:7b", lambda v: _text(v),
            "The local Ollama model used when \"ollama\" is among the providers (needs langchain-ollama)."),
    # -- live examples (codecoach.runner): a group of its own, easy to move when settings are regrouped
    Setting("runExamples", True, lambda v: _bool(v),
            "Run the file's own examples (doctests, asserts, tests, .in/.out pairs, or the script itself) in a "
            "sandboxed process after a pause and show what happened. false never executes anything."),
    Setting("examplesCpuSeconds", 2.0, lambda v: _float_between(0.1, 30.0)(v),
            "CPU seconds one run of a file's examples may use in all (an example that spins is cut after half)."),
    Setting("examplesMemoryMb", 512, _int_between(64, 8192),
            "Memory (address space, MB) the examples' code may allocate on top of the runner's own."),
)

PROVIDERS = ("gemini", "ollama", "offline")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _float_between(low: float, high: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number between {low:g} and {high:g}")
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return float(value)

    return parse


def _providers(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError('expected a list such as ["gemini", "offline"]')
    names = [v.strip().lower() for v in value]
    unknown = [n for n in names if n not in PROVIDERS]
    if unknown:
        raise ValueError("unknown provider(s) " + ", ".join(unknown) + "; use " + ", ".join(PROVIDERS))
    ordered = tuple(dict.fromkeys(n for n in names if n != "offline"))
    return ordered + ("offline",)


def _globs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError('expected a list of globs, e.g. ["**/private/**"]')
    return tuple(v.strip() for v in value if v.strip())


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
    cloudEnabled: bool = False
    model: str = DEFAULT_MODEL
    temperature: float = 0.2
    requestsPerMinute: int = 8
    requestsPerHour: int = 60
    requestsPerDay: int = 200
    settleSeconds: int = 4
    cloudSettleSeconds: int = 20
    providers: tuple[str, ...] = ("gemini", "offline")
    excludeGlobs: tuple[str, ...] = ()
    timeoutSeconds: int = 30
    breakerFailures: int = 3
    breakerCooldownSeconds: int = 300
    ollamaModel: str = "qwen2.5-coder:7b"
    runExamples: bool = True
    examplesCpuSeconds: float = 2.0
    examplesMemoryMb: int = 512

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
