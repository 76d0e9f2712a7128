"""The provider that is always there: the offline rules already ran, so it adds nothing."""

from __future__ import annotations

from .base import Messages, Result


class OfflineProvider:
    name = "offline"
    cloud = False
    model = "rules"

    def available(self) -> bool:
        return True

    def review(self, messages: Messages) -> Result:
        return Result({"chunks": []})

    def explain(self, messages: Messages) -> Result:
        return Result(None)
