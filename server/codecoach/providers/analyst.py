"""`CloudAnalyst`: the one object the front ends (LSP, CLI, web) call for cloud analysis.

- `analyze(path, text, offline_findings, past_context) -> list[Finding]`:
  blocking; call it on a worker thread for a *settled* document. Returns the
  cloud findings for the whole text (cached chunks included), so the caller
  can replace the previous Source.GEMINI findings with them. Never raises.
- `explain(finding, code_region, path=...) -> str | None`: a tailored
  explanation (Markdown), cached; for prefetching on a worker thread.
  `cached_explanation(...)` is the non-blocking cache lookup for hovers.
- `narrate(summary)`, `summarize_session(digest)`, `tailor(items, context)`:
  prose and study suggestions for the services, or None for their templates.
- `prepare()`: blocking; checks the key and the model once (the Models API).
- `status() -> dict`: the `codecoach/status` payload; `on_status(dict)` is
  called whenever it changes (from the calling thread: marshal it to the loop).

Every use (review.py, explain.py, narrate.py, tailor.py) says what to ask and
how to read the answer; they all reach a provider through one pipeline,
`_ask`: cloud on and checked -> redacted while the messages are built ->
within the budget (everything but analysis leaves analysis its reserve) ->
the answer and the provider that gave it. Answers are cached by each use's
digest.

Consent: nothing is sent unless `cloudEnabled` is on AND a provider can work
(a key for Gemini). With cloud off, no provider is even built and no socket is
opened. Before anything is sent: excluded files are skipped, text is redacted.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis.findings import Finding, Source, split_lines
from ..config import CloudSettings
from ..privacy import is_excluded
from . import chunks as chunking
from . import explain as explaining
from . import narrate as narrating
from . import review as reviewing
from . import tailor as tailoring
from .base import Messages, Provider
from .budget import Budget
from .cache import ResponseCache
from .catalogue import RETRY_UNREACHABLE_SECONDS, UNREACHABLE, ModelCatalogue, ModelCheck
from .chain import Outcome, ProviderChain
from .keys import UnsafeEndpoint, find_api_key, find_base_url
from .models import API_VERSION
from .redactor import Redactor
from .status import OFFLINE_MESSAGE, cloud_status, offline_status
from .store import FILENAME, CloudStore

log = logging.getLogger("codecoach.cloud")

FAILED_RETRY_SECONDS = 60.0  # a chunk whose request failed waits this long before it is tried again
_CHAIN_FIELDS = ("cloudEnabled", "model", "temperature", "providers", "timeoutSeconds", "breakerFailures",
                 "breakerCooldownSeconds", "ollamaModel")


@dataclass
class _Answer:
    outcome: Outcome
    provider: Provider | None  # who answered (for the cache); None when nobody did

    @property
    def payload(self) -> Any:
        return self.outcome.result.payload if self.outcome.result is not None else None


def _never_raises(default: Any, what: str) -> Callable:
    """A cloud use must never break the editor: log, answer `default`, and publish the status."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def guarded(self: CloudAnalyst, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception:  # noqa: BLE001
                log.exception("Gemini %s failed", what)
                return default
            finally:
                if not self.disabled_reason():
                    self._publish()

        return guarded

    return decorate


class CloudAnalyst:
    def __init__(
        self,
        settings: CloudSettings | None = None,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        store: CloudStore | None = None,
        dotenv_dirs: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        api_key: str | None = None,
        on_status: Callable[[dict], None] | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        providers: Sequence[Provider] | None = None,
    ) -> None:
        self.settings = settings or CloudSettings()
        self._data_dir = data_dir
        self._store = store
        self._dotenv_dirs = list(dotenv_dirs)  # where a .env may supply the key: never a workspace
        self._env = env
        self._explicit_key = api_key
        self._on_status = on_status
        self._clock = clock
        self._monotonic = monotonic
        self._injected = list(providers) if providers is not None else None
        self._lock = threading.RLock()
        self._chain: ProviderChain | None = None
        self._budget: Budget | None = None
        self._inflight: set[str] = set()
        self._failed: dict[str, float] = {}
        self._excluded_logged: set[str] = set()
        self._reviews: dict[str, list[dict]] = {}
        self._last_status: dict | None = None
        self._check: ModelCheck | None = None  # the Models API's verdict on the key and the model
        self._missing_models: set[str] = set()  # models that answered 404 since the check
        self._catalogue: ModelCatalogue | None = None
        self.redactions = 0  # secrets replaced so far (for logs and tests)

    # -- configuration ------------------------------------------------------------------
    def update(self, settings: CloudSettings) -> None:
        """New settings (didChangeConfiguration). Rebuilds the providers only if their settings changed."""
        with self._lock:
            old = self.settings
            self.settings = settings
            if self._budget is not None:
                self._budget.configure(settings.requestsPerMinute, settings.requestsPerDay, settings.requestsPerHour)
            if any(getattr(old, f) != getattr(settings, f) for f in _CHAIN_FIELDS):
                self._drop_chain()
        self._publish()

    def set_api_key(self, key: str | None) -> None:
        """The key from the editor's secret storage (None or "" forgets it)."""
        with self._lock:
            self._explicit_key = key or None
            self._drop_chain()
        self._publish()

    def close(self) -> None:
        with self._lock:
            self._drop_chain()
            if self._store is not None:
                self._store.close()
                self._store = None

    def _drop_chain(self) -> None:
        if self._chain is not None:
            self._chain.close()
            self._chain = None
        self._check = None
        self._missing_models.clear()

    def api_key(self) -> str | None:
        return self._explicit_key or find_api_key(self._env, self._dotenv_dirs)

    def base_url(self) -> str | None:
        """The endpoint override (tests, proxies); UnsafeEndpoint when it would send the key in clear."""
        return find_base_url(self._env)

    def disabled_reason(self) -> str:
        """Why cloud analysis is off, or "" if it is on."""
        if not self.settings.cloudEnabled:
            return "cloud analysis is off"
        names = [n for n in self.settings.providers if n != "offline"]
        if not names:
            return "no cloud provider configured"
        if self._injected is None and names == ["gemini"] and not self.api_key():
            return "no GOOGLE_API_KEY"
        if self._injected is None and "gemini" in names:
            try:
                self.base_url()
            except UnsafeEndpoint as unsafe:
                return str(unsafe)
        return ""

    @property
    def enabled(self) -> bool:
        return not self.disabled_reason() and self._get_chain() is not None and self._get_chain().primary() is not None

    # -- lazily built parts ----------------------------------------------------------------
    def store(self) -> CloudStore:
        with self._lock:
            if self._store is None:
                from ..memory.paths import data_dir, ensure_private_dir

                folder = ensure_private_dir(data_dir(self._data_dir))
                self._store = CloudStore(folder / FILENAME)
            return self._store

    def budget(self) -> Budget:
        with self._lock:
            if self._budget is None:
                self._budget = Budget(self.settings.requestsPerMinute, self.settings.requestsPerDay,
                                      self.store(), per_hour=self.settings.requestsPerHour, clock=self._clock)
            return self._budget

    def cache(self) -> ResponseCache:
        return ResponseCache(self.store())

    def _get_chain(self) -> ProviderChain | None:
        """The provider chain, built on first need; None while cloud analysis is off."""
        with self._lock:
            if self.settings.cloudEnabled is False:
                return None
            if self._chain is None:
                s = self.settings
                providers = self._injected if self._injected is not None else self._build_providers()
                self._chain = ProviderChain(
                    providers, self.budget(), self.store(),
                    breaker_failures=s.breakerFailures, breaker_cooldown=float(s.breakerCooldownSeconds),
                    timeout=float(s.timeoutSeconds), clock=self._monotonic, on_status=None,
                    on_model_missing=self._model_missing,
                )
            return self._chain

    def _build_providers(self) -> list[Provider]:
        s = self.settings
        built: list[Provider] = []
        for name in s.providers:
            if name == "gemini":
                from .gemini import GeminiProvider

                built.append(GeminiProvider(self.api_key(), s.model, self.base_url(),
                                            s.temperature, float(s.timeoutSeconds), api_version=API_VERSION))
            elif name == "ollama":
                from .ollama import OllamaProvider

                built.append(OllamaProvider(s.ollamaModel, s.temperature, float(s.timeoutSeconds)))
        from .offline import OfflineProvider

        built.append(OfflineProvider())
        return built

    # -- the key and the model, checked before anything is sent ---------------------------
    @staticmethod
    def _gemini(chain: ProviderChain) -> Any:
        from .gemini import GeminiProvider

        return next((p for p in chain.providers if isinstance(p, GeminiProvider)), None)

    def verify(self, *, refresh: bool = False) -> ModelCheck | None:
        """Blocking (a worker thread): ask the Models API whether the key works and the configured
        model exists (the list is remembered for a day). None when there is nothing to check
        (cloud off, no Gemini provider)."""
        try:
            if self.disabled_reason():
                return None
            chain = self._get_chain()
            gemini = self._gemini(chain) if chain is not None else None
            if gemini is None or not gemini.api_key:
                return None
            with self._lock:
                if self._catalogue is None:
                    self._catalogue = ModelCatalogue(self.store(), clock=self._clock)
                catalogue, excluded = self._catalogue, set(self._missing_models)
            check = catalogue.check(gemini.api_key, self.settings.model, base_url=gemini.base_url,
                                    api_version=gemini.api_version, timeout=float(self.settings.timeoutSeconds),
                                    exclude=excluded, refresh=refresh)
            with self._lock:
                if self._chain is not chain:
                    return check  # settings changed meanwhile: this answer is for a chain that is gone
                self._check = check
            gemini.use_model(check.model)
            if check.notice:
                log.warning("%s", check.notice)
            elif not check.usable:
                log.warning("Gemini check: %s (%s)", check.state, check.reason)
            else:
                log.info("Gemini key verified; model %s", check.model)
            self._publish()  # the verdict reaches the status bar before the SDK below loads
            if check.usable:
                gemini.prepare()  # LangChain's import and client, now rather than on the first review
                from ..secret_scan import vendor_scanner

                vendor_scanner()  # the redaction rule set too (0.4-2 s to load), before the first request
            return check
        except Exception as error:  # noqa: BLE001 - a broken check leaves the offline coach running
            log.exception("Checking the Gemini key and model failed")
            with self._lock:
                self._check = ModelCheck(UNREACHABLE, self.settings.model, reason=f"{type(error).__name__}: {error}",
                                         at=self._clock())  # tried again a minute later
            return None
        finally:
            self._publish()

    def prepare(self) -> bool:
        """Blocking: check the key and the model unless that is done, and say whether a cloud call
        may be made now. Front ends call it on a worker when cloud analysis starts."""
        check = self._check
        if check is None or (check.state == UNREACHABLE and self._clock() - check.at >= RETRY_UNREACHABLE_SECONDS):
            chain = self._get_chain()
            if chain is None or self._gemini(chain) is None:
                return chain is not None  # injected or local providers: nothing to verify
            check = self.verify()
        return check is None or check.usable

    def _model_missing(self, provider: Any) -> None:
        """A model answered 404 NOT_FOUND: choose another from the list instead of failing on."""
        with self._lock:
            self._missing_models.add(provider.model)
        self.verify(refresh=True)

    # -- status ----------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        reason = self.disabled_reason()
        chain = None if reason else self._get_chain()
        if chain is None:
            return offline_status(OFFLINE_MESSAGE + (f" ({reason})" if reason else ""))
        return cloud_status(chain, self._gemini(chain), self._check)

    def breaker_states(self) -> tuple[str, ...]:
        """The providers' breaker states as of now, from memory only (cheap, any thread)."""
        chain = self._chain
        return tuple(b.state for b in chain.breakers.values()) if chain is not None else ()

    def refresh_status(self) -> None:
        """Publish the status if time alone changed it (an open breaker's cooldown ended: half-open)."""
        if not self.disabled_reason() and self._chain is not None:
            self._publish()

    def _publish(self) -> dict[str, Any]:
        snapshot = self.status()
        comparable = {k: v for k, v in snapshot.items() if k != "message"}
        with self._lock:
            changed = comparable != self._last_status
            self._last_status = comparable
        if changed and self._on_status is not None:
            try:
                self._on_status(snapshot)
            except Exception:
                log.exception("status callback failed")
        return snapshot

    # -- the one pipeline ------------------------------------------------------------
    def _usable_chain(self) -> ProviderChain | None:
        """The chain, if cloud analysis is on, checked, and some provider can answer."""
        if self.disabled_reason() or not self.prepare():
            return None
        chain = self._get_chain()
        return chain if chain is not None and chain.primary() is not None else None

    def _ask(self, chain: ProviderChain, purpose: str, build: Callable[[Redactor], Messages], *,
             about: str, reserve: bool, redact: Redactor | None = None) -> _Answer:
        """Ask the chain once (and once more if the model answered 404 and was replaced). `build`
        makes the messages through the redactor it is given, so every secret is counted."""
        redact = redact or Redactor()
        messages = build(redact)
        if redact.secrets:
            self.redactions += redact.secrets
            log.info("Redacted %d secret(s) from %s before sending it", redact.secrets, about)
        limits = self.settings.budget_reserve() if reserve else {}
        outcome = chain.call(purpose, messages, **limits)
        if outcome.model_gone and self.prepare():
            outcome = chain.call(purpose, messages, **limits)
        return _Answer(outcome, next((p for p in chain.providers if p.name == outcome.provider), None))

    def _cached(self, chain: ProviderChain, purpose: str, digest: str, *, any_provider: bool = True) -> Any:
        """A cached answer of the primary provider (or of any cloud provider in the chain)."""
        providers = [p for p in chain.providers if p.name != "offline"] if any_provider else [chain.primary()]
        for provider in providers:
            if provider is not None:
                payload = self.cache().get(purpose, provider.name, provider.model, digest)
                if payload:
                    return payload
        return None

    def _keep(self, answer: _Answer, purpose: str, digest: str, payload: Any) -> None:
        if answer.provider is not None and payload:
            self.cache().put(purpose, answer.provider.name, answer.provider.model, digest, payload)

    def _excluded(self, path: str | None) -> bool:
        if path is None or not is_excluded(path, self.settings.excludeGlobs):
            return False
        if path not in self._excluded_logged:
            self._excluded_logged.add(path)
            log.info("Not sending %s to the cloud: it matches an exclusion glob", path)
        return True

    # -- review ------------------------------------------------------------------------
    @_never_raises([], "analysis")
    def analyze(self, path: str, text: str, offline_findings: Sequence[Finding] = (),
                past_context: Sequence[str] = ()) -> list[Finding]:
        """Cloud findings for this text (blocking; never raises; [] when cloud is off)."""
        if self.disabled_reason() or self._excluded(path):
            return []
        chain = self._usable_chain()
        if chain is None:
            return []
        lines = split_lines(text)
        all_chunks = reviewing.keyed_by_examples(chunking.split_chunks(text), offline_findings, lines)
        cached = {c.digest: p for c in all_chunks
                  if (p := self._cached(chain, reviewing.PURPOSE, c.digest)) is not None}
        now = self._monotonic()
        with self._lock:
            self._failed = {d: t for d, t in self._failed.items() if t > now}
            skip = set(cached) | self._inflight | set(self._failed)
            batch, later = chunking.select(all_chunks, lambda c: c.digest in skip, offline_findings)
            self._inflight.update(c.digest for c in batch)
        try:
            if batch:
                cached.update(self._review(chain, path, lines, batch, offline_findings, past_context))
        finally:
            with self._lock:
                self._inflight.difference_update(c.digest for c in batch)
        if later:
            log.debug("%d changed chunk(s) of %s wait for the next request", len(later), path)
        primary = chain.primary()
        findings, reviews = reviewing.findings(all_chunks, cached, lines, primary.model if primary else "")
        with self._lock:
            self._reviews[path] = reviews
        return findings

    def _review(self, chain: ProviderChain, path: str, lines: list[str], batch: list[chunking.Chunk],
                offline: Sequence[Finding], past: Sequence[str]) -> dict[str, dict]:
        answer = self._ask(chain, reviewing.PURPOSE,
                           lambda redact: reviewing.messages(batch, lines, offline, past, redact),
                           about=path, reserve=False)
        if answer.outcome.result is None and not answer.outcome.blocked:
            if answer.outcome.attempted:
                # The request failed: these chunks wait before they are tried again. When nothing was
                # sent (breaker open, budget spent) they simply go at the next chance.
                until = self._monotonic() + FAILED_RETRY_SECONDS
                with self._lock:
                    for chunk in batch:
                        self._failed[chunk.digest] = until
            if answer.outcome.error:
                log.info("Cloud analysis of %s skipped: %s", path, answer.outcome.error)
            return {}
        # A blocked answer is settled too: those chunks get an empty review and are not asked again.
        payloads = reviewing.payloads(answer.payload, batch, lines)
        for digest, payload in payloads.items():
            self._keep(answer, reviewing.PURPOSE, digest, payload)
        return payloads

    def reviews(self, path: str) -> list[dict]:
        """Per chunk of the last analyzed text of `path`: topic, concepts, difficulty 1-5,
        study_topics (for Show Insights / Recommendations). Empty if it was never analyzed."""
        with self._lock:
            return list(self._reviews.get(path, ()))

    # -- explanations ------------------------------------------------------------------
    def cached_explanation(self, finding: Finding, code_region: str) -> str | None:
        """Non-blocking: the prefetched explanation if there is one (for hovers)."""
        if self.disabled_reason():
            return None
        chain = self._get_chain()
        if chain is None:
            return None
        text = self._cached(chain, explaining.PURPOSE, explaining.digest(finding, code_region))
        return str(text) if text else None

    @_never_raises(None, "explanation")
    def explain(self, finding: Finding, code_region: str, *, path: str | None = None,
                first_line: int | None = None, past_context: Sequence[str] = ()) -> str | None:
        """A tailored explanation for one finding (blocking, cached; None when none can be had).
        Explanations leave analysis its share of the budget."""
        if self.disabled_reason() or finding.source == Source.GEMINI or self._excluded(path):
            return None
        cached = self.cached_explanation(finding, code_region)
        if cached is not None:
            return cached
        chain = self._usable_chain()
        if chain is None:
            return None
        start = finding.span.start.line if first_line is None else first_line
        answer = self._ask(chain, explaining.PURPOSE,
                           lambda redact: explaining.messages(finding, code_region, start, past_context, redact),
                           about=path or f"the explanation of {finding.rule_id}", reserve=True)
        text = explaining.clean(answer.payload) if answer.payload else None
        self._keep(answer, explaining.PURPOSE, explaining.digest(finding, code_region), text)
        return text

    # -- narratives and study suggestions ----------------------------------------------
    def narrate(self, summary: Mapping[str, Any]) -> str | None:
        """A narrative paragraph for a learning summary (blocking, cached; None when none can
        be had, so the caller falls back to its template)."""
        return narrating.clean(self._facts_to_text(narrating.PURPOSE, narrating.messages,
                                                   narrating.summary_facts(summary)))

    def summarize_session(self, digest: Any) -> str | None:
        """The memory's summary of a closed session (a `memory.SessionDigest`), or None for its template."""
        return narrating.clean(self._facts_to_text(narrating.PURPOSE, narrating.messages,
                                                   narrating.session_facts(digest)))

    def tailor(self, items: list[dict], context: Mapping[str, Any]) -> list[dict] | None:
        """Gemini's study suggestions for the learner's struggles (the recommendations service's
        `tailor` hook). Links are kept only when they point into the official Python docs or PEPs."""
        return tailoring.parse(self._facts_to_text(tailoring.PURPOSE, tailoring.messages,
                                                   tailoring.facts(items, context)))

    @_never_raises(None, "text")
    def _facts_to_text(self, purpose: str, messages: Callable[[str], Messages], facts: str) -> str | None:
        """Free text for `facts` from the first working provider (redacted, cached by the redacted
        facts, budgeted so analysis keeps its share); None when none can be had."""
        chain = self._usable_chain()
        if chain is None:
            return None
        redact = Redactor()
        shown = redact(facts)
        digest = chunking.normalized_hash(shown)
        cached = self._cached(chain, purpose, digest, any_provider=False)
        if cached:
            return str(cached)
        answer = self._ask(chain, purpose, lambda _: messages(shown), about=f"the {purpose} request",
                           reserve=True, redact=redact)
        text = str(answer.payload).strip() if answer.payload else None
        self._keep(answer, purpose, digest, text)
        return text or None


def default_store_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    from ..memory.paths import data_dir as resolve

    return resolve(data_dir) / FILENAME
