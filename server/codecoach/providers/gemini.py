"""Gemini through LangChain (langchain-google-genai 4.x on google-genai).

`ChatGoogleGenerativeAI(..., max_retries=0, timeout=...)`: the chain decides
about retries (a 429's retry delay, the breaker), never the SDK's own loop.
`with_structured_output(CodeReview, include_raw=True)` returns the raw
AIMessage too, which carries `usage_metadata` (from the API's usageMetadata)
and the finish reason. The SDK is imported on first use only (~4 s).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .base import BadResponse, Blocked, Messages, Result, classify
from .models import API_VERSION, DEFAULT_MODEL, uses_fixed_sampling

log = logging.getLogger("codecoach.providers.gemini")

_BLOCK_REASONS = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY", "OTHER"}


def usage_of(message: Any) -> dict[str, int]:
    usage = getattr(message, "usage_metadata", None) or {}
    return {k: int(usage.get(k) or 0) for k in ("input_tokens", "output_tokens", "total_tokens")}


class GeminiProvider:
    name = "gemini"
    cloud = True

    def __init__(self, api_key: str | None, model: str = DEFAULT_MODEL, base_url: str | None = None,
                 temperature: float = 0.2, timeout: float = 30.0, api_version: str = API_VERSION) -> None:
        self.api_key = api_key
        self.model = model
        self.base_url = base_url or None
        self.api_version = api_version
        self.temperature = temperature
        self.timeout = timeout
        self._lock = threading.Lock()
        self._llm: Any = None
        self._structured: Any = None

    def available(self) -> bool:
        return bool(self.api_key) and bool(self.model)

    def prepare(self) -> None:
        """Import the SDK and build the client now (seconds, on a worker), not on the first review."""
        self._build()

    def use_model(self, model: str) -> None:
        """Switch models (the configured one is gone); "" leaves no usable model."""
        with self._lock:
            if model != self.model:
                self.model = model
                self._llm = self._structured = None

    def _build(self) -> tuple[Any, Any]:
        with self._lock:
            if self._llm is None:
                from langchain_google_genai import ChatGoogleGenerativeAI

                from .schema import CodeReview

                sampling = {} if uses_fixed_sampling(self.model) else {"temperature": self.temperature}
                self._llm = ChatGoogleGenerativeAI(
                    model=self.model,
                    google_api_key=self.api_key,
                    base_url=self.base_url,
                    # Never the SDK's default: google-genai 3 moved it from v1beta to v1.
                    api_version=self.api_version,
                    max_retries=0,
                    timeout=self.timeout,
                    **sampling,
                )
                self._structured = self._llm.with_structured_output(CodeReview, include_raw=True)
            return self._llm, self._structured

    def review(self, messages: Messages) -> Result:
        _, structured = self._build()
        try:
            out = structured.invoke(messages)
        except Exception as error:
            raise classify(error) from error
        raw, parsed = out.get("raw"), out.get("parsed")
        usage = usage_of(raw)
        meta = getattr(raw, "response_metadata", {}) or {}
        finish = str(meta.get("finish_reason") or "").upper().rsplit(".", 1)[-1]
        if parsed is None:
            feedback = meta.get("prompt_feedback") or {}
            blocked = finish in _BLOCK_REASONS or bool(feedback.get("block_reason")) or not getattr(raw, "content", "")
            if blocked:
                raise Blocked(f"no answer (finish reason {finish or 'none'})", usage=usage)
            raise BadResponse(f"answer did not match the schema: {out.get('parsing_error')}", usage=usage)
        if finish == "MAX_TOKENS":
            raise BadResponse("answer was cut off at the token limit", usage=usage)
        return Result(parsed.model_dump(), usage)

    def explain(self, messages: Messages) -> Result:
        llm, _ = self._build()
        try:
            message = llm.invoke(messages)
        except Exception as error:
            raise classify(error) from error
        usage = usage_of(message)
        text = message.text if isinstance(getattr(message, "text", None), str) else str(message.content or "")
        if not text.strip():
            raise Blocked("empty explanation", usage=usage)
        return Result(text.strip(), usage)
