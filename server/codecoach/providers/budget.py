"""Request budget: per-minute, per-hour and per-day caps, the day persistent across restarts.

The Gemini free tier counts requests per minute and per day (the day resets
at midnight Pacific time); the hourly cap is ours, so that an hour of typing
never spends more than a fair share of the day. The minute and hour windows
are kept in memory (a restart
takes longer than it matters); the day count lives in the `CloudStore`, so
restarting the server does not hand out a fresh day. A provider's own verdict
wins: a 429 with a retry delay blocks every call until that delay has passed,
and a per-day quota error uses up the rest of the day.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo

from .store import CloudStore

_BLOCK_KEY = "budget.blocked_until"


def _reset_zone() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("America/Los_Angeles")
    except Exception:  # noqa: BLE001 - no tzdata on this machine: UTC is close enough
        return timezone.utc


class Budget:
    def __init__(
        self,
        per_minute: int = 8,
        per_day: int = 200,
        store: CloudStore | None = None,
        per_hour: int = 60,
        clock: Callable[[], float] = time.time,
        zone: tzinfo | None = None,
    ) -> None:
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.per_day = per_day
        self._store = store or CloudStore(None)
        self._clock = clock
        self._zone = zone or _reset_zone()
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()  # calls in the last minute
        self._hour: deque[float] = deque()  # calls in the last hour
        stored = self._store.get_value(_BLOCK_KEY)
        self._blocked_until = float(stored["until"]) if stored else 0.0
        self._blocked_reason = stored.get("reason", "retry") if stored else ""

    def configure(self, per_minute: int, per_day: int, per_hour: int | None = None) -> None:
        with self._lock:
            self.per_minute, self.per_day = per_minute, per_day
            if per_hour is not None:
                self.per_hour = per_hour

    # -- time ----------------------------------------------------------------------
    def _day(self, now: float) -> str:
        return datetime.fromtimestamp(now, self._zone).date().isoformat()

    def next_reset(self) -> datetime:
        """The next midnight in the quota's zone, as an aware UTC datetime."""
        local = datetime.fromtimestamp(self._clock(), self._zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=self._zone)
        return midnight.astimezone(timezone.utc)

    # -- queries -------------------------------------------------------------------
    def calls_left_today(self) -> int:
        return max(0, self.per_day - self._store.day_count(self._day(self._clock())))

    def calls_left_this_minute(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return max(0, self.per_minute - len(self._recent))

    def blocked_reason(self) -> str | None:
        """Why a call cannot go now: "retry" (provider asked to wait), "day", "minute", or None."""
        now = self._clock()
        with self._lock:
            if now < self._blocked_until:
                return self._blocked_reason or "retry"
            self._expire(now)
            if len(self._recent) >= self.per_minute:
                return "minute"
            if len(self._hour) >= self.per_hour:
                return "hour"
        if self.calls_left_today() <= 0:
            return "day"
        return None

    def wait_seconds(self) -> float:
        """How long until a call could be allowed (0 if now)."""
        now = self._clock()
        reason = self.blocked_reason()
        if reason is None:
            return 0.0
        if reason in ("retry", "quota-day") and now < self._blocked_until:
            return self._blocked_until - now
        if reason == "minute":
            with self._lock:
                return max(0.0, self._recent[0] + 60.0 - now) if self._recent else 0.0
        if reason == "hour":
            with self._lock:
                return max(0.0, self._hour[0] + 3600.0 - now) if self._hour else 0.0
        return max(0.0, self.next_reset().timestamp() - now)

    def blocked_until(self) -> float:
        return self._blocked_until

    # -- spending ------------------------------------------------------------------
    def try_acquire(self, reserve_minute: int = 0, reserve_day: int = 0, reserve_hour: int = 0) -> bool:
        """Take one call if the caps allow it, leaving `reserve_*` calls for more important work."""
        now = self._clock()
        with self._lock:
            if now < self._blocked_until:
                return False
            self._expire(now)
            if len(self._recent) + reserve_minute >= self.per_minute:
                return False
            if len(self._hour) + reserve_hour >= self.per_hour:
                return False
            if not self._store.take_day(self._day(now), max(0, self.per_day - reserve_day)):
                return False
            self._recent.append(now)
            self._hour.append(now)
            return True

    def block_for(self, seconds: float, reason: str = "retry") -> None:
        """Honour a provider's retry delay: no call before now + seconds (persisted)."""
        until = self._clock() + max(0.0, seconds)
        with self._lock:
            if until > self._blocked_until:
                self._blocked_until = until
                self._blocked_reason = reason
                self._store.set_value(_BLOCK_KEY, {"until": until, "reason": reason})

    def exhaust_day(self) -> None:
        """The provider says today's quota is gone: spend the rest of our day too."""
        now = self._clock()
        self._store.set_day_count(self._day(now), self.per_day)
        self.block_for(max(0.0, self.next_reset().timestamp() - now), reason="quota-day")

    def _expire(self, now: float) -> None:
        while self._recent and now - self._recent[0] >= 60.0:
            self._recent.popleft()
        while self._hour and now - self._hour[0] >= 3600.0:
            self._hour.popleft()
