"""Cloud analysis: providers (Gemini, optional Ollama, offline), breaker, budget, cache.

Nothing here imports LangChain or the Gemini SDK at import time; they load on
the first cloud call. The front ends use `CloudAnalyst` (see analyst.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analyst import CloudAnalyst
    from .mapping import merge_findings

__all__ = ["CloudAnalyst", "merge_findings"]


def __getattr__(name: str) -> Any:
    if name == "CloudAnalyst":
        from .analyst import CloudAnalyst

        return CloudAnalyst
    if name == "merge_findings":
        from .mapping import merge_findings

        return merge_findings
    raise AttributeError(name)
