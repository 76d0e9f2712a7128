"""Which Gemini models this key can use: one Models API call when cloud analysis starts.

The answer (`GET /{version}/models`) is remembered for a day in the cloud
store, keyed by a fingerprint of the key, endpoint and API version (never the
key itself). It settles three questions before any code is sent:

- is the key accepted? (a rejected key is said once, plainly, and no
  generation request is ever made with it);
- can Gemini be reached at all? (if not, the offline coach keeps going and the
  check is tried again later);
- is the configured model there? A retired or mistyped model is replaced by
  the best available model of its family (`models.fallbacks`), with one
  notice, instead of turning every request into a 404 that opens the breaker.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from .base import AuthFailed, classify
from .models import bare, fallbacks, family
from .store import CloudStore

log = logging.getLogger("codecoach.cloud")

LIST_TTL_SECONDS = 24 * 3600.0
RETRY_UNREACHABLE_SECONDS = 60.0
_STORE_KEY = "models.list"

VERIFIED = "verified"
KEY_REJECTED = "key-rejected"
UNREACHABLE = "unreachable"
NO_MODEL = "no-model"


@dataclass(frozen=True)
class ModelCheck:
    state: str  # VERIFIED, KEY_REJECTED, UNREACHABLE or NO_MODEL
    configured: str
    model: str = ""  # the model to use; "" unless VERIFIED
    notice: str = ""  # when the configured model was replaced: one sentence for the log and status
    reason: str = ""  # why the check failed, for the log
    at: float = 0.0
    available: tuple[str, ...] = field(default=(), repr=False)

    @property
    def usable(self) -> bool:
        return self.state == VERIFIED


Lister = Callable[[str, str | None, str, float], list[str]]


def list_models(api_key: str, base_url: str | None, api_version: str, timeout: float) -> list[str]:
    """The models that can generate content, by bare name, through the real SDK (blocking)."""
    from google import genai
    from google.genai import types

    options = types.HttpOptions(api_version=api_version, timeout=int(timeout * 1000),
                                **({"base_url": base_url} if base_url else {}))
    client = genai.Client(api_key=api_key, http_options=options)
    try:
        names = []
        for model in client.models.list(config={"page_size": 100}):
            actions = model.supported_actions or []
            if not actions or "generateContent" in actions:
                names.append(bare(model.name or ""))
        return [n for n in names if n]
    finally:
        client.close()


def choose_model(configured: str, available: Collection[str], *, at: float = 0.0) -> ModelCheck:
    """The configured model if it is available, else the best of its family, else NO_MODEL."""
    configured = bare(configured)
    names = tuple(sorted(set(available)))
    if configured in available:
        return ModelCheck(VERIFIED, configured, configured, at=at, available=names)
    replacements = fallbacks(configured, set(available))
    if replacements:
        chosen = replacements[0]
        notice = (f"Gemini model {configured} is not available; using {chosen}. "
                  "Set codecoach.cloud.model to choose another.")
        return ModelCheck(VERIFIED, configured, chosen, notice=notice, at=at, available=names)
    kind = family(configured) or "this"
    return ModelCheck(NO_MODEL, configured, at=at, available=names,
                      reason=(f"Gemini model {configured} is not available and no model of the {kind} family is; "
                              "set codecoach.cloud.model to one of: " + (", ".join(names[:6]) or "none listed")))


class ModelCatalogue:
    def __init__(self, store: CloudStore, *, clock: Callable[[], float] = time.time,
                 lister: Lister = list_models) -> None:
        self._store = store
        self._clock = clock
        self._lister = lister

    @staticmethod
    def fingerprint(api_key: str, base_url: str | None, api_version: str) -> str:
        return hashlib.sha256(f"{api_version}|{base_url or ''}|{api_key}".encode()).hexdigest()[:16]

    def check(self, api_key: str, configured: str, *, base_url: str | None, api_version: str,
              timeout: float, exclude: Collection[str] = (), refresh: bool = False) -> ModelCheck:
        """Blocking (a worker thread): which model to use, or why none can be.

        `exclude`: models that answered 404 since the list was fetched. `refresh`
        fetches the list again even if the day-old answer is still fresh.
        """
        now = self._clock()
        print_ = self.fingerprint(api_key, base_url, api_version)
        cached = self._store.get_value(_STORE_KEY)
        fresh = (not refresh and isinstance(cached, dict) and cached.get("fingerprint") == print_
                 and now - float(cached.get("at", 0)) < LIST_TTL_SECONDS)
        if fresh:
            models = [str(m) for m in cached.get("models", [])]
        else:
            try:
                models = self._lister(api_key, base_url, api_version, timeout)
            except Exception as error:  # noqa: BLE001 - classified below; the coach stays offline
                failure = classify(error)
                state = KEY_REJECTED if isinstance(failure, AuthFailed) else UNREACHABLE
                return ModelCheck(state, bare(configured), reason=str(failure), at=now)
            self._store.set_value(_STORE_KEY, {"fingerprint": print_, "at": now, "models": models})
            log.info("Gemini lists %d model(s) for this key: %s", len(models), ", ".join(sorted(models)[:8]))
        return choose_model(configured, set(models) - {bare(m) for m in exclude}, at=now)
