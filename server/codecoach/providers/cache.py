"""Persistent answer cache: normalized content hash + prompt version + provider/model.

Unchanged content (comments and spacing do not count) is never sent twice,
across restarts. Changing a prompt (PROMPT_VERSION) or the model makes the
old answers unreachable rather than wrong. Rows live in the CloudStore's
SQLite file; the least recently used are dropped beyond 20,000.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .prompts import PROMPT_VERSION
from .store import CloudStore


class ResponseCache:
    def __init__(self, store: CloudStore) -> None:
        self.store = store

    @staticmethod
    def key(kind: str, provider: str, model: str, digest: str) -> str:
        raw = f"{PROMPT_VERSION}|{kind}|{provider}|{model}|{digest}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def get(self, kind: str, provider: str, model: str, digest: str) -> Any:
        return self.store.cache_get(self.key(kind, provider, model, digest))

    def put(self, kind: str, provider: str, model: str, digest: str, payload: Any) -> None:
        self.store.cache_put(self.key(kind, provider, model, digest), kind, payload)

    def __len__(self) -> int:
        return self.store.cache_size()
