"""Ordered providers with a breaker each, the budget for cloud ones, and a status.

`ProviderChain.call("review" | "explain", messages)` tries the providers in
order. A provider is skipped while its breaker is open, a cloud provider when
the budget says no. Every call has a wall-clock timeout on top of the SDK's.
A 429 blocks the budget for the provider's retry delay (the whole day for a
per-day quota) and counts as one failure. No call is ever retried within one
`call`: the next settled change is the next chance. The chain ends at the
offline provider, which always answers with nothing extra.

`status()` is the `codecoach/status` notification's payload; `on_status` is
called (from whatever thread made the call) whenever it changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .base import (
    Blocked,
    Messages,
    ModelNotFound,
    Provider,
    ProviderError,
    ProviderTimeout,
    RateLimited,
    Result,
)
from .breaker import CLOSED, OPEN, CircuitBreaker
from .budget import Budget
from .store import CloudStore

log = logging.getLogger("codecoach.providers")

OFFLINE_MESSAGE = "Offline coach: rules, concepts and editing hints"
DEFAULT_RETRY_AFTER = 60.0  # a 429 without RetryInfo
TIMEOUT_GRACE = 5.0  # the wall clock allows the SDK's own timeout to fire first


@dataclass
class Outcome:
    provider: str  # who answered ("offline" when nobody else could)
    result: Result | None = None
    blocked: bool = False  # a provider answered but refused this content
    error: str = ""  # the last failure on the way, for logs
    model_gone: bool = False  # a provider's model answered 404: ask again (another model is chosen)
    attempted: bool = False  # a request was made (not every provider skipped: breaker, budget)


class ProviderChain:
    def __init__(
        self,
        providers: Sequence[Provider],
        budget: Budget,
        store: CloudStore | None = None,
        breaker_failures: int = 3,
        breaker_cooldown: float = 300.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        on_status: Callable[[dict], None] | None = None,
        on_model_missing: Callable[[Provider], None] | None = None,
    ) -> None:
        self.providers = list(providers)
        self.budget = budget
        self.store = store
        self.timeout = timeout
        self.on_status = on_status
        self.on_model_missing = on_model_missing
        self.breakers = {p.name: CircuitBreaker(breaker_failures, breaker_cooldown, clock) for p in self.providers}
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="codecoach-cloud")
        self._lock = threading.Lock()
        self._last_provider: str | None = None
        self._last_error = ""
        self._last_failure: ProviderError | None = None  # for the status, in plain words
        self._last_status: dict | None = None
        self.enabled = True
        self.disabled_reason = ""
        self.requests = 0  # calls actually made to non-offline providers

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- calling -------------------------------------------------------------------
    def call(
        self, purpose: str, messages: Messages, *, reserve_minute: int = 0, reserve_day: int = 0, reserve_hour: int = 0
    ) -> Outcome:
        error = ""
        model_gone = attempted = False
        try:
            for provider in self.providers:
                if provider.name == "offline":
                    return Outcome("offline", None, error=error, model_gone=model_gone, attempted=attempted)
                if not self.enabled or not provider.available():
                    continue
                breaker = self.breakers[provider.name]
                if not breaker.allow():
                    error = error or f"{provider.name} paused after repeated failures"
                    continue
                if provider.cloud and not self.budget.try_acquire(reserve_minute, reserve_day, reserve_hour):
                    breaker.release()
                    error = error or f"{provider.name} budget: {self.budget.blocked_reason() or 'reserved'}"
                    continue
                attempted = True
                outcome = self._attempt(provider, breaker, purpose, messages)
                if outcome is not None:
                    outcome.attempted = True
                    return outcome
                error = self._last_error
                model_gone = model_gone or isinstance(self._last_failure, ModelNotFound)
            return Outcome("offline", None, error=error, model_gone=model_gone, attempted=attempted)
        finally:
            self.publish_status()

    def _attempt(self, provider: Provider, breaker: CircuitBreaker, purpose: str, messages: Messages) -> Outcome | None:
        method = provider.review if purpose == "review" else provider.explain
        started = time.perf_counter()
        with self._lock:
            self.requests += 1
        try:
            future = self._pool.submit(method, messages)
            try:
                result = future.result(timeout=self.timeout + TIMEOUT_GRACE)
            except FutureTimeout:
                future.cancel()
                raise ProviderTimeout(f"no answer within {self.timeout + TIMEOUT_GRACE:.0f} s") from None
        except ProviderError as failure:
            self._record_usage(provider, purpose, failure.usage)
            return self._failed(provider, breaker, failure, started)
        except Exception as unexpected:  # noqa: BLE001 - a provider bug must not reach the editor
            return self._failed(provider, breaker, ProviderError(f"{type(unexpected).__name__}: {unexpected}"), started)
        breaker.record_success()
        self._record_usage(provider, purpose, result.usage)
        with self._lock:
            self._last_provider, self._last_error, self._last_failure = provider.name, "", None
        log.info("%s %s answered in %.1f s (%s tokens)", provider.name, purpose,
                 time.perf_counter() - started, result.usage.get("total_tokens", "?"))
        return Outcome(provider.name, result)

    def _failed(self, provider: Provider, breaker: CircuitBreaker, failure: ProviderError, started: float) -> Outcome | None:
        elapsed = time.perf_counter() - started
        if isinstance(failure, Blocked):
            breaker.record_success()  # the provider works; it declined this content
            with self._lock:
                self._last_provider, self._last_error = provider.name, ""
            log.info("%s declined to answer (%s) after %.1f s", provider.name, failure, elapsed)
            return Outcome(provider.name, None, blocked=True)
        if isinstance(failure, ModelNotFound):
            # The provider works; its model is gone. Another model, not the breaker, is the answer.
            breaker.record_success()
            log.warning("%s: model %s answered 404 NOT_FOUND after %.1f s", provider.name, provider.model, elapsed)
            if self.on_model_missing is not None:
                self.on_model_missing(provider)
        if isinstance(failure, RateLimited):
            delay = failure.retry_after if failure.retry_after is not None else DEFAULT_RETRY_AFTER
            if failure.per_day:
                self.budget.exhaust_day()
                log.warning("%s: daily quota used up; cloud analysis resumes after %s",
                            provider.name, self.budget.next_reset().isoformat(timespec="minutes"))
            else:
                self.budget.block_for(delay)
                log.warning("%s: rate limited; no request for %.0f s", provider.name, delay)
            if provider.cloud:
                breaker.record_failure(open_for=delay)
            else:
                breaker.record_failure()
        elif failure.failure:
            breaker.record_failure()
            log.warning("%s failed (%s) after %.1f s%s", provider.name, failure, elapsed,
                        f"; paused for {self._pause_left(breaker):.0f} s" if breaker.state != CLOSED else "")
        with self._lock:
            self._last_error = f"{provider.name}: {failure}"
            self._last_failure = failure
        return None

    def _pause_left(self, breaker: CircuitBreaker) -> float:
        at = breaker.retry_at()
        return max(0.0, at - self._clock()) if at is not None else 0.0

    def _record_usage(self, provider: Provider, purpose: str, usage: dict[str, int]) -> None:
        if self.store is not None and usage and usage.get("total_tokens"):
            self.store.record_usage(provider.name, provider.model, purpose, usage)

    # -- status ----------------------------------------------------------------------
    def primary(self) -> Provider | None:
        return next((p for p in self.providers if p.name != "offline" and p.available()), None)

    def status(self) -> dict[str, Any]:
        primary = self.primary() if self.enabled else None
        if primary is None:
            return {
                "state": "offline",
                "provider": "offline",
                "breaker": CLOSED,
                "callsLeftToday": None,
                "nextReset": None,
                "message": OFFLINE_MESSAGE + (f" ({self.disabled_reason})" if self.disabled_reason else ""),
            }
        breaker = self.breakers[primary.name]
        breaker_state = breaker.state
        left = self.budget.calls_left_today() if primary.cloud else None
        reset = self.budget.next_reset() if primary.cloud else None
        blocked = self.budget.blocked_reason() if primary.cloud else None
        fallback = next((p.name for p in self.providers[self.providers.index(primary) + 1:]
                         if p.name == "offline" or p.available()), "offline")
        if blocked:
            state, provider = "quota", fallback
            wait = self.budget.wait_seconds()
            if blocked in ("day", "quota-day"):
                message = f"Daily {primary.name} quota used; offline coach until {_local(reset)}"
            else:
                message = f"{primary.name} is rate limited; next request in {wait:.0f} s"
        elif breaker_state != CLOSED:
            state, provider = "degraded", fallback
            pause = self._pause_left(breaker)
            message = (f"{primary.name} failed {breaker.consecutive_failures} times; "
                       + (f"retrying in {pause / 60:.0f} min" if pause >= 60 else
                          f"retrying in {pause:.0f} s" if breaker_state == OPEN else "probing it on the next change")
                       + f" ({fallback} meanwhile)")
        elif self._last_error:
            state, provider = "degraded", fallback
            message = f"{_plain(primary.name, self._last_failure)}; the {fallback} coach keeps working"
        else:
            state, provider = primary.name, primary.name
            message = f"{primary.name} ({primary.model})" + (f": {left} calls left today" if left is not None else "")
        return {
            "state": state,
            "provider": provider,
            "breaker": breaker_state,
            "callsLeftToday": left,
            "nextReset": reset.isoformat() if reset else None,
            "message": message,
        }

    def publish_status(self) -> dict[str, Any]:
        snapshot = self.status()
        comparable = {k: v for k, v in snapshot.items() if k != "message"}
        with self._lock:
            changed = self._last_status != comparable
            self._last_status = comparable
        if changed and self.on_status is not None:
            try:
                self.on_status(snapshot)
            except Exception:
                log.exception("status callback failed")
        return snapshot


_PLAIN = {
    "timeout": "{name} did not answer in time",
    "unavailable": "{name} can't be reached",
    "auth": "{name} rejected the API key",
    "bad-response": "{name} sent an answer the coach could not read",
    "model-not-found": "the {name} model is not available",
}


def _plain(name: str, failure: ProviderError | None) -> str:
    """A failure as a learner can read it (the technical detail is in the log)."""
    label = "Gemini" if name == "gemini" else name.capitalize()
    template = _PLAIN.get(failure.kind if failure is not None else "", "The last {name} request failed")
    return template.format(name=label)


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "tomorrow"
    return moment.astimezone().strftime("%H:%M") if moment.tzinfo else moment.replace(tzinfo=timezone.utc).strftime("%H:%M")
