"""The narrate use: a paragraph for a learning summary or a closed session, from numbers only."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .mapping import _FENCE
from .prompts import narrate_messages

PURPOSE = "narrate"
messages = narrate_messages


def summary_facts(summary: Mapping[str, Any]) -> str:
    """The numbers a narrative may use, compactly (never code, never file contents)."""
    keep = {key: summary.get(key) for key in ("period", "from", "to", "totals", "streak", "improved")}
    keep["concepts"] = [
        {k: c.get(k) for k in ("label", "practiced", "struggles", "mastery", "previousMastery")}
        for c in list(summary.get("concepts") or [])[:8]
    ]
    keep["topStruggles"] = [
        {k: t.get(k) for k in ("rule", "message", "count")} for t in list(summary.get("topStruggles") or [])[:5]
    ]
    return json.dumps(keep, ensure_ascii=False, sort_keys=True)


def session_facts(digest: Any) -> str:
    """A closed session's numbers (a `memory.SessionDigest`; file names only, never paths or code)."""
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


def clean(text: object) -> str | None:
    return _FENCE.sub("", str(text or "")).strip() or None
