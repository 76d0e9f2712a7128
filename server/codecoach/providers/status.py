"""The `codecoach/status` payload of the cloud layer, in one place.

Every payload has the same keys: `state` (offline, checking, gemini, quota,
degraded, key-rejected, unreachable, no-model), `provider` (who answers now),
`breaker`, `callsLeftToday`, `nextReset`, `model`, `notice` (a replaced model,
said once) and `message` (one plain sentence for the status bar).
"""

from __future__ import annotations

from typing import Any

from .catalogue import KEY_REJECTED, NO_MODEL, UNREACHABLE, ModelCheck
from .chain import OFFLINE_MESSAGE, ProviderChain


def offline_status(message: str = OFFLINE_MESSAGE, *, state: str = "offline") -> dict[str, Any]:
    """No cloud provider answers: `state` says why."""
    return {"state": state, "provider": "offline", "breaker": "closed", "callsLeftToday": None,
            "nextReset": None, "model": None, "notice": "", "message": message}


def cloud_status(chain: ProviderChain, gemini: Any, check: ModelCheck | None) -> dict[str, Any]:
    """The status while cloud analysis is on. Gemini counts as working only once the Models API
    check passed: until then the learner reads "checking", never "Gemini"."""
    if gemini is not None and (chain.primary() is gemini or check is not None):
        if check is None:
            return offline_status("Checking the Gemini key and model…", state="checking")
        if check.state == KEY_REJECTED:
            return offline_status("Gemini rejected the API key; the offline coach keeps working. "
                                  "Set a new key to use Gemini.", state=KEY_REJECTED)
        if check.state == UNREACHABLE:
            return offline_status("Gemini can't be reached; the offline coach keeps working.", state=UNREACHABLE)
        if check.state == NO_MODEL:
            return offline_status(check.reason + "; the offline coach keeps working.", state=NO_MODEL)
    status = chain.status()
    status["model"] = gemini.model if gemini is not None else None
    status["notice"] = check.notice if check is not None else ""
    return status
