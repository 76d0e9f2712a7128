"""The tailor use: Gemini's study suggestions for the learner's struggles (recommendations)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .prompts import tailor_messages

log = logging.getLogger("codecoach.cloud")

PURPOSE = "tailor"
messages = tailor_messages
TRUSTED_LINKS = ("https://docs.python.org/", "https://peps.python.org/")
MAX_SUGGESTIONS = 3


def facts(items: list[dict], context: Mapping[str, Any]) -> str:
    return json.dumps(
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


def parse(text: str | None) -> list[dict] | None:
    """The suggestions, with links kept only into the official Python docs and PEPs."""
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
        if isinstance(item, dict) and not str(item.get("url", "")).startswith(TRUSTED_LINKS):
            item["url"] = ""
    return [item for item in suggestions if isinstance(item, dict)][:MAX_SUGGESTIONS]
