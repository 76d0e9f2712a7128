"""What every provider offers, the errors the chain understands, and their classification.

Provider SDK exceptions are translated here into a handful of kinds the chain
acts on: rate limited (honour the retry delay), blocked (the provider is fine
but refused this content), bad response, timeout, unavailable. The
translation walks the exception chain by duck typing, so this module imports
no SDK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

Messages = list[tuple[str, str]]


@dataclass
class Result:
    payload: Any  # a CodeReview as a dict (review) or a str (explain)
    usage: dict[str, int] = field(default_factory=dict)


class ProviderError(Exception):
    """A call that produced nothing usable. `failure` says whether it counts against the breaker."""

    failure = True
    kind = "error"

    def __init__(self, message: str, usage: dict[str, int] | None = None) -> None:
        super().__init__(message)
        self.usage = usage or {}


class RateLimited(ProviderError):
    kind = "rate-limited"

    def __init__(self, message: str, retry_after: float | None = None, per_day: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.per_day = per_day


class ProviderTimeout(ProviderError):
    kind = "timeout"


class ProviderUnavailable(ProviderError):
    kind = "unavailable"


class AuthFailed(ProviderError):
    kind = "auth"


class BadResponse(ProviderError):
    kind = "bad-response"


class ModelNotFound(ProviderError):
    """404 NOT_FOUND: the model is gone (retired or renamed). The provider works; its model does not,
    so this never counts against the breaker: the analyst picks another model instead."""

    failure = False
    kind = "model-not-found"


class Blocked(ProviderError):
    """Safety block or empty answer: the provider works, this content gets no review."""

    failure = False
    kind = "blocked"


class Provider(Protocol):
    name: str
    cloud: bool  # counts against the request budget
    model: str

    def available(self) -> bool: ...

    def review(self, messages: Messages) -> Result: ...

    def explain(self, messages: Messages) -> Result: ...


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def _chain(error: BaseException):
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def parse_retry_delay(details: Any) -> tuple[float | None, bool]:
    """(retry delay in seconds, per-day quota?) from a Google API error body."""
    if isinstance(details, dict) and "error" in details:
        details = details["error"].get("details")
    delay, per_day = None, False
    for item in details or []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("@type", ""))
        if kind.endswith("google.rpc.RetryInfo"):
            match = _DURATION.match(str(item.get("retryDelay", "")))
            if match:
                delay = float(match.group(1))
        elif kind.endswith("google.rpc.QuotaFailure"):
            for violation in item.get("violations") or []:
                if "perday" in str(violation.get("quotaId", "")).lower():
                    per_day = True
    return delay, per_day


def classify(error: BaseException) -> ProviderError:
    """Translate any SDK/transport exception into a ProviderError."""
    if isinstance(error, ProviderError):
        return error
    for exc in _chain(error):
        code = getattr(exc, "code", None)
        if isinstance(code, int) and hasattr(exc, "details"):  # google.genai.errors.APIError
            status = getattr(exc, "status", "") or ""
            text = f"{code} {status}".strip()
            if code == 429:
                delay, per_day = parse_retry_delay(getattr(exc, "details", None))
                return RateLimited(f"rate limited ({text})", retry_after=delay, per_day=per_day)
            if code in (401, 403) or "API_KEY" in str(getattr(exc, "details", "")):
                return AuthFailed(f"the API key was rejected ({text})")
            if code == 404:
                return ModelNotFound(f"model not found ({text})")
            if code >= 500:
                return ProviderUnavailable(f"server error ({text})")
            return BadResponse(f"request rejected ({text})")
        name = type(exc).__name__
        if isinstance(exc, TimeoutError) or "Timeout" in name:
            return ProviderTimeout(f"timed out ({name})")
        if isinstance(exc, ConnectionError) or name in ("ConnectError", "ConnectTimeout", "RemoteProtocolError",
                                                         "NetworkError", "ReadError", "WriteError"):
            return ProviderUnavailable(f"cannot connect ({name}: {exc})")
    if isinstance(error, ValueError):  # a body that is not JSON, a schema that does not validate
        return BadResponse(f"unreadable answer ({type(error).__name__})")
    return ProviderError(f"{type(error).__name__}: {error}")
