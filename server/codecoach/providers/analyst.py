"""`CloudAnalyst`: the one object the front ends (LSP, CLI) call for cloud analysis.

- `analyze(path, text, offline_findings, past_context) -> list[Finding]`:
  blocking; call it on a worker thread for a *settled* document. Returns the
  cloud findings for the whole text (cached chunks included), so the caller
  can replace the previous Source.GEMINI findings with them. Never raises.
- `explain(finding, code_region, path=...) -> str | None`: a tailored
  explanation (Markdown), cached; for prefetching on a worker thread.
  `cached_explanation(...)` is the non-blocking cache lookup for hovers.
- `status() -> dict`: the `codecoach/status` payload; `on_status(dict)` is
  called whenever it changes (from the calling thread: marshal it to the loop).

Consent: nothing is sent unless `cloudEnabled` is on AND a provider can work
(a key for Gemini). With cloud off, no provider is even built and no socket is
opened. Before anything is sent: excluded files are skipped, text is redacted.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..analysis.findings import Finding, Source, split_lines
from ..config import Settings
from ..privacy import is_excluded, redact
from . import chunks as chunking
from .base import Provider
from .budget import Budget
from .cache import ResponseCache
from .catalogue import KEY_REJECTED, NO_MODEL, RETRY_UNREACHABLE_SECONDS, UNREACHABLE, ModelCatalogue, ModelCheck
from .chain import ProviderChain
from .keys import find_api_key, find_base_url
from .mapping import payload_to_findings, review_to_payload
from .models import API_VERSION
from .prompts import PromptChunk, analysis_messages, explain_messages, narrate_messages, tailor_messages
from .store import FILENAME, CloudStore

log = logging.getLogger("codecoach.cloud")

FAILED_RETRY_SECONDS = 60.0  # a chunk whose request failed waits this long before it is tried again
MAX_PAST_CONTEXT = 8
_CHAIN_FIELDS = ("cloudEnabled", "model", "temperature", "providers", "timeoutSeconds", "breakerFailures",
                 "breakerCooldownSeconds", "ollamaModel")


class CloudAnalyst:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        store: CloudStore | None = None,
        workspace_folders: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        api_key: str | None = None,
        on_status: Callable[[dict], None] | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        providers: Sequence[Provider] | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self._data_dir = data_dir
        self._store = store
        self._folders = list(workspace_folders)
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
    def update(self, settings: Settings, workspace_folders: Sequence[str] | None = None) -> None:
        """New settings (didChangeConfiguration). Rebuilds the providers only if their settings changed."""
        with self._lock:
            old = self.settings
            self.settings = settings
            if workspace_folders is not None:
                self._folders = list(workspace_folders)
            if self._budget is not None:
                self._budget.configure(settings.requestsPerMinute, settings.requestsPerDay, settings.requestsPerHour)
            if any(getattr(old, f) != getattr(settings, f) for f in _CHAIN_FIELDS) or workspace_folders is not None:
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
        return self._explicit_key or find_api_key(self._folders, self._env)

    def disabled_reason(self) -> str:
        """Why cloud analysis is off, or "" if it is on."""
        if not self.settings.cloudEnabled:
            return "cloud analysis is off"
        names = [n for n in self.settings.providers if n != "offline"]
        if not names:
            return "no cloud provider configured"
        if self._injected is None and names == ["gemini"] and not self.api_key():
            return "no GOOGLE_API_KEY"
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

    # -- the key and the model, checked before anything is sent ---------------------------
    def _gemini(self, chain: ProviderChain) -> Any:
        from .gemini import GeminiProvider

        return next((p for p in chain.providers if isinstance(p, GeminiProvider)), None)

    def verify(self, *, refresh: bool = False) -> ModelCheck | None:
        """Blocking (a worker thread): ask the Models API whether the key works and the configured
        model exists, once per start (the list is remembered for a day). None when there is nothing
        to check (cloud off, no Gemini provider)."""
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
            if check.usable:
                gemini.prepare()
            return check
        except Exception:  # noqa: BLE001 - a broken check leaves the offline coach running
            log.exception("Checking the Gemini key and model failed")
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

    def _build_providers(self) -> list[Provider]:
        s = self.settings
        built: list[Provider] = []
        for name in s.providers:
            if name == "gemini":
                from .gemini import GeminiProvider

                built.append(GeminiProvider(self.api_key(), s.model, find_base_url(self._folders, self._env),
                                            s.temperature, float(s.timeoutSeconds), api_version=API_VERSION))
            elif name == "ollama":
                from .ollama import OllamaProvider

                built.append(OllamaProvider(s.ollamaModel, s.temperature, float(s.timeoutSeconds)))
        from .offline import OfflineProvider

        built.append(OfflineProvider())
        return built

    # -- status ----------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        reason = self.disabled_reason()
        chain = None if reason else self._get_chain()
        if chain is None:
            return _offline_status("Offline coach: rules, concepts and editing hints" + (f" ({reason})" if reason else ""))
        gemini = self._gemini(chain)
        check = self._check
        if gemini is not None and chain.primary() is gemini or (gemini is not None and check is not None):
            if check is None:
                return _offline_status("Checking the Gemini key and model…", state="checking")
            if check.state == KEY_REJECTED:
                return _offline_status("Gemini rejected the API key; the offline coach keeps working. "
                                       "Set a new key to use Gemini.", state=KEY_REJECTED)
            if check.state == UNREACHABLE:
                return _offline_status("Gemini can't be reached; the offline coach keeps working.", state=UNREACHABLE)
            if check.state == NO_MODEL:
                return _offline_status(check.reason + "; the offline coach keeps working.", state=NO_MODEL)
        status = chain.status()
        status["model"] = gemini.model if gemini is not None else None
        status["notice"] = check.notice if check is not None else ""
        return status

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

    # -- analysis ------------------------------------------------------------------
    def cache(self) -> ResponseCache:
        return ResponseCache(self.store())

    def _cached_review(self, chain: ProviderChain, chunk: chunking.Chunk) -> dict | None:
        for provider in chain.providers:
            if provider.name == "offline":
                continue
            payload = self.cache().get("review", provider.name, provider.model, chunk.digest)
            if payload is not None:
                return payload
        return None

    def analyze(
        self,
        path: str,
        text: str,
        offline_findings: Sequence[Finding] = (),
        past_context: Sequence[str] = (),
    ) -> list[Finding]:
        """Cloud findings for this text (blocking; never raises; [] when cloud is off)."""
        try:
            return self._analyze(path, text, offline_findings, past_context)
        except Exception:
            log.exception("Cloud analysis of %s failed", path)
            return []
        finally:
            if not self.disabled_reason():
                self._publish()

    def _analyze(self, path: str, text: str, offline: Sequence[Finding], past: Sequence[str]) -> list[Finding]:
        if self.disabled_reason():
            return []
        if is_excluded(path, self.settings.excludeGlobs):
            if path not in self._excluded_logged:
                self._excluded_logged.add(path)
                log.info("Not sending %s to the cloud: it matches an exclusion glob", path)
            return []
        if not self.prepare():
            return []
        chain = self._get_chain()
        if chain is None or chain.primary() is None:
            return []
        lines = split_lines(text)
        all_chunks = chunking.split_chunks(text)
        cached: dict[str, dict] = {}
        for chunk in all_chunks:
            payload = self._cached_review(chain, chunk)
            if payload is not None:
                cached[chunk.digest] = payload
        now = self._monotonic()
        with self._lock:
            self._failed = {d: t for d, t in self._failed.items() if t > now}
            skip = set(cached) | self._inflight | set(self._failed)
            batch, later = chunking.select(all_chunks, lambda c: c.digest in skip, offline)
            self._inflight.update(c.digest for c in batch)
        try:
            if batch:
                self._request(chain, path, lines, batch, offline, past, cached)
        finally:
            with self._lock:
                self._inflight.difference_update(c.digest for c in batch)
        if later:
            log.debug("%d changed chunk(s) of %s wait for the next request", len(later), path)
        model = chain.primary().model if chain.primary() else ""
        findings: list[Finding] = []
        reviews: list[dict] = []
        for chunk in all_chunks:
            payload = cached.get(chunk.digest)
            if payload is not None:
                findings.extend(payload_to_findings(payload, chunk, lines, model))
                reviews.append({"chunk": chunk.name, "firstLine": chunk.first, "lastLine": chunk.last,
                                **{k: payload.get(k) for k in ("topic", "concepts", "difficulty", "study_topics")}})
        with self._lock:
            self._reviews[path] = reviews
        findings.sort(key=lambda f: (f.span.start, f.rule_id))
        return findings

    def _request(self, chain: ProviderChain, path: str, lines: list[str], batch: list[chunking.Chunk],
                 offline: Sequence[Finding], past: Sequence[str], cached: dict[str, dict]) -> None:
        prompt_chunks = []
        secrets = 0
        for index, chunk in enumerate(batch, 1):
            shown, count = redact("".join(lines[chunk.context_first : chunk.context_last + 1]))
            secrets += count
            reported = []
            for f in offline:
                if f.span.overlaps_lines(chunk.first, chunk.last) and f.source != Source.GEMINI:
                    note, count = redact(f"line {f.span.start.line + 1}: {f.message}")
                    secrets += count
                    reported.append(note)
            prompt_chunks.append(PromptChunk(
                id=f"c{index}", name=chunk.name, first_line=chunk.first, last_line=chunk.last,
                context_first=chunk.context_first, text_lines=tuple(split_lines(shown)),
                already_reported=tuple(reported[:10]),
            ))
        notes = []
        for note in list(past)[:MAX_PAST_CONTEXT]:
            clean, count = redact(str(note)[:300])
            secrets += count
            notes.append(clean)
        if secrets:
            self.redactions += secrets
            log.info("Redacted %d secret(s) from %s before sending it", secrets, path)
        outcome = chain.call("review", analysis_messages(prompt_chunks, notes))
        if outcome.model_gone and self.prepare():  # the model was replaced: once more, with the new one
            outcome = chain.call("review", analysis_messages(prompt_chunks, notes))
        if outcome.result is None and not outcome.blocked:
            until = self._monotonic() + FAILED_RETRY_SECONDS
            with self._lock:
                for chunk in batch:
                    self._failed[chunk.digest] = until
            if outcome.error:
                log.info("Cloud analysis of %s skipped: %s", path, outcome.error)
            return
        answered = next(p for p in chain.providers if p.name == outcome.provider)
        reviews = {}
        if outcome.result is not None:
            for review in (outcome.result.payload or {}).get("chunks", []):
                reviews[str(review.get("chunk_id", "")).strip()] = review
        for index, chunk in enumerate(batch, 1):
            review = reviews.get(f"c{index}") or (reviews.get(str(index)) if len(batch) > 1 else
                                                  next(iter(reviews.values()), None))
            payload = review_to_payload(review or {}, chunk, lines)
            cached[chunk.digest] = payload
            self.cache().put("review", answered.name, answered.model, chunk.digest, payload)

    def reviews(self, path: str) -> list[dict]:
        """Per chunk of the last analyzed text of `path`: topic, concepts, difficulty 1-5,
        study_topics (for Show Insights / Recommendations). Empty if it was never analyzed."""
        with self._lock:
            return list(self._reviews.get(path, ()))

    # -- explanations ------------------------------------------------------------------
    @staticmethod
    def _explain_digest(finding: Finding, region: str) -> str:
        return f"{finding.rule_id}|{finding.message}|{chunking.normalized_hash(region)}"

    def cached_explanation(self, finding: Finding, code_region: str) -> str | None:
        """Non-blocking: the prefetched explanation if there is one (for hovers)."""
        if self.disabled_reason():
            return None
        chain = self._get_chain()
        if chain is None:
            return None
        for provider in chain.providers:
            if provider.name != "offline":
                text = self.cache().get("explain", provider.name, provider.model,
                                        self._explain_digest(finding, code_region))
                if text:
                    return str(text)
        return None

    def explain(self, finding: Finding, code_region: str, *, path: str | None = None,
                first_line: int | None = None, past_context: Sequence[str] = ()) -> str | None:
        """A tailored explanation for one finding (blocking, cached; None when none can be had).

        Explanations leave room in the budget for analysis: they never take the
        last two calls of a minute or the last quarter of the day.
        """
        try:
            if self.disabled_reason() or finding.source == Source.GEMINI:
                return None
            if path is not None and is_excluded(path, self.settings.excludeGlobs):
                return None
            cached = self.cached_explanation(finding, code_region)
            if cached is not None:
                return cached
            if not self.prepare():
                return None
            chain = self._get_chain()
            if chain is None or chain.primary() is None:
                return None
            region, count = redact(code_region)
            message, count2 = redact(finding.message)
            notes = [redact(str(n)[:300])[0] for n in list(past_context)[:MAX_PAST_CONTEXT]]
            self.redactions += count + count2
            start = finding.span.start.line if first_line is None else first_line
            messages = explain_messages(finding.rule_id, message, start, split_lines(region), notes)
            outcome = chain.call("explain", messages, reserve_minute=2,
                                 reserve_day=max(5, self.settings.requestsPerDay // 4),
                                 reserve_hour=max(2, self.settings.requestsPerHour // 3))
            if outcome.result is None or not outcome.result.payload:
                return None
            from .mapping import _FENCE, NO_SOLUTION

            text = _FENCE.sub(NO_SOLUTION, str(outcome.result.payload)).strip()
            answered = next(p for p in chain.providers if p.name == outcome.provider)
            self.cache().put("explain", answered.name, answered.model, self._explain_digest(finding, code_region), text)
            return text
        except Exception:
            log.exception("Explanation for %s failed", finding.rule_id)
            return None
        finally:
            if not self.disabled_reason():
                self._publish()

    # -- narratives --------------------------------------------------------------------
    def narrate(self, summary: Mapping[str, Any]) -> str | None:
        """A narrative paragraph for a learning summary (blocking, cached; None when none can
        be had, so the caller falls back to its template). Same budget reserve as explanations."""
        return self._narrate(_summary_facts(summary))

    def summarize_session(self, digest: Any) -> str | None:
        """The memory's summary of a closed session (a `memory.SessionDigest`), or None for its template."""
        return self._narrate(_session_facts(digest))

    def tailor(self, items: list[dict], context: Mapping[str, Any]) -> list[dict] | None:
        """Gemini's study suggestions for the learner's struggles (the recommendations service's
        `tailor` hook). Links are kept only when they point into the official Python docs or PEPs."""
        import json

        facts = json.dumps(
            {
                "struggles": [
                    {k: s.get(k) for k in ("rule", "concept", "count", "message")}
                    | {"files": [Path(str(f)).name for f in s.get("files", [])]}
                    for s in context.get("struggles", [])
                ],
                "focus concept": context.get("concept"),
                "already recommended": [i.get("title") for i in items],
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        text = self._generate_text("tailor", tailor_messages, facts)
        if not text:
            return None
        try:
            suggestions = json.loads(text.strip().removeprefix("```json").removeprefix("```").removesuffix("```"))
        except ValueError:
            log.info("Gemini's study suggestions were not JSON; using the catalogue only")
            return None
        if not isinstance(suggestions, list):
            return None
        for item in suggestions:
            if isinstance(item, dict) and not str(item.get("url", "")).startswith(_TRUSTED_LINKS):
                item["url"] = ""
        return [item for item in suggestions if isinstance(item, dict)][:3]

    def _narrate(self, facts: str) -> str | None:
        text = self._generate_text("narrate", narrate_messages, facts)
        if not text:
            return None
        from .mapping import _FENCE

        return _FENCE.sub("", text).strip() or None

    def _generate_text(self, purpose: str, messages: Callable[[str], Any], facts: str) -> str | None:
        """Free text from the first working provider for `facts` (redacted, cached, budgeted like
        explanations so analysis keeps its share); None when none can be had."""
        try:
            if self.disabled_reason() or not self.prepare():
                return None
            chain = self._get_chain()
            if chain is None or chain.primary() is None:
                return None
            facts, count = redact(facts)
            self.redactions += count
            digest = chunking.normalized_hash(facts)
            primary = chain.primary()
            cached = self.cache().get(purpose, primary.name, primary.model, digest)
            if cached:
                return str(cached)
            outcome = chain.call(purpose, messages(facts), reserve_minute=2,
                                 reserve_day=max(5, self.settings.requestsPerDay // 4),
                                 reserve_hour=max(2, self.settings.requestsPerHour // 3))
            if outcome.result is None or not outcome.result.payload:
                return None
            text = str(outcome.result.payload).strip()
            if text:
                answered = next(p for p in chain.providers if p.name == outcome.provider)
                self.cache().put(purpose, answered.name, answered.model, digest, text)
            return text or None
        except Exception:
            log.exception("Gemini %s failed", purpose)
            return None
        finally:
            if not self.disabled_reason():
                self._publish()


_TRUSTED_LINKS = ("https://docs.python.org/", "https://peps.python.org/")


def _offline_status(message: str, *, state: str = "offline") -> dict[str, Any]:
    """The status while no cloud provider answers: `state` says why (offline, checking, key-rejected, ...)."""
    return {"state": state, "provider": "offline", "breaker": "closed", "callsLeftToday": None,
            "nextReset": None, "model": None, "notice": "", "message": message}


def _summary_facts(summary: Mapping[str, Any]) -> str:
    """The numbers a narrative may use, compactly (never code, never file contents)."""
    import json

    keep = {key: summary.get(key) for key in ("period", "from", "to", "totals", "streak", "improved")}
    keep["concepts"] = [
        {k: c.get(k) for k in ("label", "practiced", "struggles", "mastery", "previousMastery")}
        for c in list(summary.get("concepts") or [])[:8]
    ]
    keep["topStruggles"] = [
        {k: t.get(k) for k in ("rule", "message", "count")} for t in list(summary.get("topStruggles") or [])[:5]
    ]
    return json.dumps(keep, ensure_ascii=False, sort_keys=True)


def _session_facts(digest: Any) -> str:
    """A closed session's numbers (file names only, never paths or code)."""
    import json

    return json.dumps(
        {
            "period": "one coding session",
            "minutes": round(digest.minutes),
            "files": [Path(f).name for f in digest.files[:5]],
            "mistakes": digest.findings,
            "fixed": digest.fixes,
            "explanations read": digest.hovers,
            "mistakes by rule": {rule: {"count": n, "message": digest.messages.get(rule, "")}
                                 for rule, n in sorted(digest.rules.items(), key=lambda kv: -kv[1])[:5]},
            "concepts struggled with": digest.struggle_concepts,
            "concepts fixed": digest.fixed_concepts,
            "concepts practised": dict(sorted(digest.concepts_used.items(), key=lambda kv: -kv[1])[:8]),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def default_store_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    from ..memory.paths import data_dir as resolve

    return resolve(data_dir) / FILENAME
