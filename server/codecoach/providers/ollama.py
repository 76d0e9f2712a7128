"""A local model through Ollama (optional: needs the langchain-ollama package).

Not a hard dependency: without the package the provider reports itself
unavailable and the chain moves on. Local calls cost no quota, so it does not
draw on the request budget; it still gets a breaker and a timeout (a laptop
without the Ollama daemon running fails fast with connection refused).
Ollama's address comes from OLLAMA_HOST (default http://127.0.0.1:11434).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from typing import Any

from .base import BadResponse, Blocked, Messages, Result, classify
from .gemini import usage_of


class OllamaProvider:
    name = "ollama"
    cloud = False

    def __init__(self, model: str = "qwen2.5-coder:7b", temperature: float = 0.2, timeout: float = 30.0,
                 base_url: str | None = None) -> None:
        self.model = model
        self.temperature = temperature
        self.timeout = timeout
        self.base_url = base_url or os.environ.get("OLLAMA_HOST") or None
        self._lock = threading.Lock()
        self._llm: Any = None
        self._structured: Any = None

    def available(self) -> bool:
        return importlib.util.find_spec("langchain_ollama") is not None

    def _build(self) -> tuple[Any, Any]:
        with self._lock:
            if self._llm is None:
                from langchain_ollama import ChatOllama

                from .schema import CodeReview

                kwargs: dict[str, Any] = {"model": self.model, "temperature": self.temperature,
                                          "client_kwargs": {"timeout": self.timeout}}
                if self.base_url:
                    kwargs["base_url"] = self.base_url
                self._llm = ChatOllama(**kwargs)
                self._structured = self._llm.with_structured_output(CodeReview, include_raw=True)
            return self._llm, self._structured

    def review(self, messages: Messages) -> Result:
        _, structured = self._build()
        try:
            out = structured.invoke(messages)
        except Exception as error:
            raise classify(error) from error
        parsed = out.get("parsed")
        usage = usage_of(out.get("raw"))
        if parsed is None:
            raise BadResponse(f"answer did not match the schema: {out.get('parsing_error')}", usage=usage)
        return Result(parsed.model_dump(), usage)

    def explain(self, messages: Messages) -> Result:
        llm, _ = self._build()
        try:
            message = llm.invoke(messages)
        except Exception as error:
            raise classify(error) from error
        text = str(message.content or "").strip()
        if not text:
            raise Blocked("empty explanation")
        return Result(text, usage_of(message))
