"""Circuit breaker: a provider that keeps failing is skipped for a while.

closed --k consecutive failures--> open --cooldown elapsed--> half-open
half-open lets exactly one probe through: success closes, failure re-opens
(with a fresh cooldown). The clock is injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half-open"


class CircuitBreaker:
    def __init__(self, failures: int = 3, cooldown: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = max(1, failures)
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._open_for = cooldown
        self._probe_in_flight = False

    @property
    def state(self) -> str:
        """The state as of now (an open breaker whose cooldown has passed reads half-open)."""
        with self._lock:
            if self._state == OPEN and self._clock() - self._opened_at >= self._open_for:
                return HALF_OPEN
            return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def retry_at(self) -> float | None:
        """Clock time at which an open breaker lets a probe through, or None."""
        with self._lock:
            return self._opened_at + self._open_for if self._state == OPEN else None

    def allow(self) -> bool:
        """May a call go through now? In half-open only one caller gets True until it reports."""
        with self._lock:
            if self._state == CLOSED:
                return True
            if self._state == OPEN:
                if self._clock() - self._opened_at < self._open_for:
                    return False
                self._state = HALF_OPEN
                self._probe_in_flight = False
            if self._probe_in_flight:
                return False
            self._probe_in_flight = True
            return True

    def release(self) -> None:
        """The allowed call was not made after all (e.g. no budget): free the probe slot."""
        with self._lock:
            self._probe_in_flight = False

    def record_success(self) -> None:
        with self._lock:
            self._state = CLOSED
            self._failures = 0
            self._probe_in_flight = False

    def record_failure(self, open_for: float | None = None) -> None:
        """One failure. `open_for` lengthens the cooldown if the provider asked for longer (retry delay)."""
        with self._lock:
            self._failures += 1
            self._probe_in_flight = False
            if self._state == HALF_OPEN or self._failures >= self.threshold:
                self._state = OPEN
                self._opened_at = self._clock()
                self._open_for = max(self.cooldown, open_for or 0.0)

    def reset(self) -> None:
        self.record_success()
