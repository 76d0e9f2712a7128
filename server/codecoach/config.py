"""Typed settings, grouped by feature, that fail soft.

Settings arrive from the editor (initializationOptions, didChangeConfiguration)
as one flat, loosely typed JSON object with camelCase keys. Each feature owns a
small frozen dataclass (`AnalysisSettings`, `HintSettings`, `MemorySettings`,
`CloudSettings`, `ExamplesSettings`, `LogSettings`); each field is declared once, with its default,
its parser and its description (`_setting`). The wire keys are the field names,
so the object on the wire stays flat.

Each field is parsed on its own: a bad value produces one clear message and
that field keeps its default, so a typo in one setting never disables the
others (jedi-language-server rejects the whole object instead).

`SETTINGS` is the table derived from the dataclasses: docs/settings.md and the
extension's contributed settings are checked against it
(tests/test_settings_contract.py). pydantic would parse this too, but importing
it costs about 0.1 s on the start-up path that the cold-start budget (1.3x a
bare pygls server) cannot spare.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .analysis.findings import Severity
from .analysis.signals import Thresholds
from .providers.models import DEFAULT_MODEL

LOG_LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}
PROVIDERS = ("gemini", "ollama", "offline")


# -- parsers: each raises ValueError with a message a learner can act on -----------------
def _int_between(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise ValueError(f"expected a whole number between {low} and {high}")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return int(value)

    parse.bounds = (low, high)  # type: ignore[attr-defined]
    return parse


def _float_between(low: float, high: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number between {low:g} and {high:g}")
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return float(value)

    parse.bounds = (low, high)  # type: ignore[attr-defined]
    return parse


def _choice(*options: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in options:
            raise ValueError("expected one of " + ", ".join(options))
        return value.lower()

    parse.choices = options  # type: ignore[attr-defined]
    return parse


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _rule_ids(value: Any) -> frozenset[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError('expected a list of rule ids, e.g. ["CC103"]')
    return frozenset(v.strip().upper() for v in value)


def _severities(value: Any) -> dict[str, Severity]:
    if not isinstance(value, Mapping):
        raise ValueError('expected an object such as {"CC103": "hint"}')
    return {str(rule).upper(): Severity.parse(str(level)) for rule, level in value.items()}


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


def _setting(default: Any, parse: Callable[[Any], Any], description: str, *, vscode: str | None = None) -> Any:
    """One setting: its default, parser and description, declared once.

    `vscode`: its key under `codecoach.` in VS Code when that differs from the wire name
    (the editor groups the cloud settings under `codecoach.cloud.*`)."""
    metadata = {"parse": parse, "description": description, "vscode": vscode}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


# -- the features --------------------------------------------------------------------------
@dataclass(frozen=True)
class AnalysisSettings:
    debounceMs: int = _setting(
        300, _int_between(0, 10_000),
        "Quiet time after the last keystroke before a file is analyzed, in milliseconds.")
    disabledRules: frozenset[str] = _setting(
        frozenset(), _rule_ids, 'Rule ids that are never reported, e.g. ["CC103", "CC605"].')
    ruleSeverity: dict[str, Severity] = _setting(
        {}, _severities, 'Severity per rule id: error, warning, information or hint, e.g. {"CC604": "hint"}.')


@dataclass(frozen=True)
class HintSettings:
    behaviourHints: bool = _setting(
        Thresholds.enabled, _bool,
        "Show hints derived from how you edit (rewriting the same code many times, a mistake that keeps coming back).")
    churnEdits: int = _setting(
        Thresholds.churn_edits, _int_between(2, 1000),
        "Edits to the same function within the churn window that count as 'rewritten many times'.")
    churnWindowSeconds: int = _setting(
        int(Thresholds.churn_window), _int_between(10, 86_400),
        "The window, in seconds, in which churn edits are counted.")
    syntaxStreakEdits: int = _setting(
        Thresholds.syntax_streak, _int_between(2, 1000),
        "Consecutive analyses with a syntax error before the coach offers help.")
    hintCooldownMinutes: int = _setting(
        int(Thresholds.cooldown // 60), _int_between(0, 1440),
        "At most one editing-behaviour hint per code region within this many minutes.")

    def thresholds(self) -> Thresholds:
        return Thresholds(churn_edits=self.churnEdits, churn_window=float(self.churnWindowSeconds),
                          syntax_streak=self.syntaxStreakEdits, cooldown=self.hintCooldownMinutes * 60.0,
                          enabled=self.behaviourHints)


@dataclass(frozen=True)
class MemorySettings:
    settleSeconds: int = _setting(
        4, _int_between(1, 600),
        "Seconds of quiet after the last edit before the coach remembers what it showed (a mistake "
        "that only flickers by while you type is not a struggle) and, with cloud analysis on, sends "
        "the changed functions to Gemini.", vscode="cloud.settleSeconds")


@dataclass(frozen=True)
class CloudSettings:
    """Cloud analysis (Gemini through LangChain): nothing leaves the machine unless cloudEnabled."""

    cloudEnabled: bool = _setting(
        False, _bool,
        "Send settled, redacted code to Gemini for deeper analysis. Needs GOOGLE_API_KEY. Off by default.",
        vscode="cloud.enabled")
    model: str = _setting(
        DEFAULT_MODEL, _text,
        "The Gemini model used for cloud analysis and explanations. It is checked against Google's list "
        "of models when cloud analysis starts; one that is not available is replaced by the best "
        "available model of its family.", vscode="cloud.model")
    temperature: float = _setting(
        0.2, _float_between(0.0, 2.0),
        "Sampling temperature of the cloud model (0 = most deterministic). Gemini 3.5 Flash-Lite, "
        "3.6 Flash and newer use fixed sampling and ignore it.", vscode="cloud.temperature")
    requestsPerMinute: int = _setting(
        8, _int_between(1, 1000),
        "At most this many cloud requests per minute (the free tier allows about 10).",
        vscode="cloud.requestsPerMinute")
    requestsPerHour: int = _setting(
        60, _int_between(1, 10_000),
        "At most this many Gemini requests per hour, so an hour of typing never spends more than a fair "
        "share of the day. Explanations leave the last third of the hour to analysis.",
        vscode="cloud.requestsPerHour")
    requestsPerDay: int = _setting(
        200, _int_between(1, 100_000),
        "At most this many cloud requests per day; the count survives restarts and resets at midnight Pacific time.",
        vscode="cloud.requestsPerDay")
    cloudSettleSeconds: int = _setting(
        20, _int_between(1, 3600),
        "Seconds of quiet on a file before its changed functions go to Gemini: a thinking pause in the "
        "middle of a function is not a finished change.", vscode="cloud.quietSeconds")
    providers: tuple[str, ...] = _setting(
        ("gemini", "offline"), _providers,
        'Analysis providers in order of preference: "gemini", "ollama", "offline" (always last).',
        vscode="cloud.providers")
    excludeGlobs: tuple[str, ...] = _setting(
        (), _globs,
        'Extra file globs never sent to the cloud, besides .env*, *secret*, *.pem, *.key, e.g. ["**/homework/**"].')
    timeoutSeconds: int = _setting(
        30, _int_between(2, 300), "Timeout of one cloud request, in seconds.", vscode="cloud.timeoutSeconds")
    breakerFailures: int = _setting(
        3, _int_between(1, 100), "Consecutive failures after which a provider is skipped for the cooldown.",
        vscode="cloud.breakerFailures")
    breakerCooldownSeconds: int = _setting(
        300, _int_between(5, 86_400), "How long a failing provider is skipped before one probe request is tried.",
        vscode="cloud.breakerCooldownSeconds")
    ollamaModel: str = _setting(
        "qwen2.5-coder:7b", _text,
        'The local Ollama model used when "ollama" is among the providers (needs langchain-ollama).',
        vscode="cloud.ollamaModel")

    def budget_reserve(self) -> dict[str, int]:
        """What work that is worth less than analysis (explanations, narratives, tailoring) leaves
        for it: the last two calls of a minute, a quarter of the day and a third of the hour."""
        return {"reserve_minute": 2, "reserve_day": max(5, self.requestsPerDay // 4),
                "reserve_hour": max(2, self.requestsPerHour // 3)}


@dataclass(frozen=True)
class ExamplesSettings:
    """Live examples (codecoach.runner): the learner's own examples run in a sandboxed process."""

    runExamples: bool = _setting(
        True, _bool,
        "Run the file's own examples (doctests, asserts, tests, .in/.out pairs, or the script itself) in a "
        "sandboxed process after a pause and show what happened. false never executes anything.",
        vscode="examples.run")
    examplesCpuSeconds: float = _setting(
        2.0, _float_between(0.1, 30.0),
        "CPU seconds one run of a file's examples may use in all (an example that spins is cut after half).",
        vscode="examples.cpuSeconds")
    examplesMemoryMb: int = _setting(
        512, _int_between(64, 8192),
        "Memory (address space, MB) the examples' code may allocate on top of the runner's own.",
        vscode="examples.memoryMb")


@dataclass(frozen=True)
class LogSettings:
    logLevel: str = _setting(
        "info", _choice(*LOG_LEVELS),
        "How much the server writes to the Code Coach output channel: error, warning, info or debug.")

    @property
    def level(self) -> int:
        return LOG_LEVELS[self.logLevel]


@dataclass(frozen=True)
class Setting:
    """One row of the derived table: where a setting lives and how it is parsed."""

    name: str  # the wire key (camelCase)
    group: str  # the attribute of `Settings` that holds it
    default: Any
    parse: Callable[[Any], Any]
    description: str
    vscode: str  # its key under `codecoach.` in VS Code


@dataclass(frozen=True)
class Settings:
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    hints: HintSettings = field(default_factory=HintSettings)
    memory: MemorySettings = field(default_factory=MemorySettings)
    cloud: CloudSettings = field(default_factory=CloudSettings)
    examples: ExamplesSettings = field(default_factory=ExamplesSettings)
    log: LogSettings = field(default_factory=LogSettings)

    def updated(self, raw: Any) -> tuple[Settings, list[str]]:
        """Apply the values present in `raw`; return the new settings and one message per bad value."""
        if raw is None:
            return self, []
        if not isinstance(raw, Mapping):
            return self, [f"Code Coach settings must be an object, got {type(raw).__name__}; keeping the current settings."]
        raw = _unwrap(raw)
        problems: list[str] = []
        changes: dict[str, dict[str, Any]] = {}
        for setting in SETTINGS:
            if setting.name not in raw or raw[setting.name] is None:
                continue
            try:
                value = setting.parse(raw[setting.name])
            except ValueError as error:
                problems.append(
                    f"Setting codecoach.{setting.name} = {raw[setting.name]!r} is invalid ({error}); "
                    f"using the default {_show(setting.default)}."
                )
                value = setting.default
            changes.setdefault(setting.group, {})[setting.name] = value
        for name in sorted(set(raw) - _BY_NAME.keys()):
            if not isinstance(raw[name], Mapping):
                logging.getLogger(__name__).debug("ignoring unknown setting %s", name)
        groups = {group: replace(getattr(self, group), **values) for group, values in changes.items()}
        return replace(self, **groups), problems

    def wire(self) -> dict[str, Any]:
        """The flat camelCase object these settings would arrive as (JSON-friendly)."""
        out: dict[str, Any] = {}
        for setting in SETTINGS:
            value = getattr(getattr(self, setting.group), setting.name)
            out[setting.name] = _jsonable(value)
        return out


def _table() -> tuple[Setting, ...]:
    rows = []
    for group in fields(Settings):
        for item in fields(group.default_factory()):  # type: ignore[misc]
            default = item.default if item.default is not dataclasses.MISSING else item.default_factory()  # type: ignore[misc]
            rows.append(Setting(item.name, group.name, default, item.metadata["parse"], item.metadata["description"],
                                item.metadata["vscode"] or item.name))
    return tuple(rows)


SETTINGS: tuple[Setting, ...] = _table()
_BY_NAME = {s.name: s for s in SETTINGS}


def _unwrap(raw: Mapping) -> Mapping:
    """Accept {"codecoach": {...}} (VS Code's section push) as well as the section itself."""
    section = raw.get("codecoach")
    return section if isinstance(section, Mapping) else raw


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {k: getattr(v, "value", v) for k, v in value.items()}
    return value


def _show(value: Any) -> str:
    if isinstance(value, frozenset):
        return str(sorted(value))
    return repr(value)


def describe() -> list[dict[str, Any]]:
    """The table as JSON (`python -m codecoach.config`): name, group, VS Code key, default, bounds."""
    rows = []
    for s in SETTINGS:
        row = {"name": s.name, "group": s.group, "vscode": s.vscode, "default": _jsonable(s.default),
               "description": s.description}
        if hasattr(s.parse, "bounds"):
            row["minimum"], row["maximum"] = s.parse.bounds  # type: ignore[attr-defined]
        if hasattr(s.parse, "choices"):
            row["enum"] = list(s.parse.choices)  # type: ignore[attr-defined]
        rows.append(row)
    return rows


if __name__ == "__main__":
    import json

    print(json.dumps(describe(), indent=2))
