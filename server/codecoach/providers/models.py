"""Gemini model names and the API version: data, in one place.

Model names change every few months (gemini-2.5-flash was shut down on
2026-12-01). The configured model is checked once against the Models API when
cloud analysis starts (`catalogue.py`); a model that is not there, or that
answers 404 later, is replaced by the best available model of its family in
the order below, and the learner is told.

API version: `v1`, the stable surface. Everything the coach uses is generally
available there: generateContent with system instructions and JSON-schema
structured output, streaming, batchEmbedContents and the Models API (see
docs/architecture.md, "Gemini API version"). google-genai changed its own
default from v1beta to v1 in 3.x; we never rely on the SDK's default.
"""

from __future__ import annotations

import re

API_VERSION = "v1"
API_VERSIONS = ("v1", "v1beta")

# Reviews run on every settled change: a fast, free-tier-friendly Flash-Lite model.
DEFAULT_MODEL = "gemini-3.5-flash-lite"

# Stable models, best first within each family. A retired or unknown model falls back to
# the first of these in its family that the Models API lists; then to any other stable
# model of the family the API lists (newest first); then to DEFAULT_MODEL's family.
KNOWN_MODELS = (
    "gemini-3.5-flash-lite",
    "gemini-3.1-flash-lite",
    "gemini-3.8-flash",
    "gemini-3.6-flash",
)

# From Gemini 3.6 Flash and 3.5 Flash-Lite on, Google fixed the sampling parameters ("these
# models and all future Gemini model releases"): a temperature is ignored, so none is sent.
FIXED_SAMPLING_MODELS = frozenset({"gemini-3.5-flash-lite", "gemini-3.6-flash"})

_NAME = re.compile(r"^gemini-(?P<version>\d+(?:\.\d+)?)-(?P<family>[a-z-]+?)(?P<suffix>-(?:preview|exp|latest)\b.*)?$")


def bare(name: str) -> str:
    """`models/gemini-3.6-flash` -> `gemini-3.6-flash`."""
    return name.strip().removeprefix("models/")


def family(name: str) -> str:
    """The family a model belongs to: `flash-lite`, `flash`, `pro`, ... ("" when unknown)."""
    match = _NAME.match(bare(name))
    return match.group("family") if match else ""


def version_of(name: str) -> float:
    match = _NAME.match(bare(name))
    return float(match.group("version")) if match else 0.0


def is_stable(name: str) -> bool:
    match = _NAME.match(bare(name))
    return bool(match) and not match.group("suffix")


def fallbacks(model: str, available: set[str] | None = None) -> list[str]:
    """Replacements for `model`, best first, limited to `available` when it is known.

    Same family first (the known order, then other stable models the API lists,
    newest first), then the default model's family.
    """
    model = bare(model)
    ranked: list[str] = []
    for wanted in (family(model), family(DEFAULT_MODEL)):
        if not wanted:
            continue
        ranked += [m for m in KNOWN_MODELS if family(m) == wanted]
        if available:
            ranked += sorted((m for m in available if family(m) == wanted and is_stable(m)),
                             key=version_of, reverse=True)
    ranked = [m for m in dict.fromkeys(ranked) if m != model]
    if available is not None:
        ranked = [m for m in ranked if m in available]
    return ranked


def uses_fixed_sampling(name: str) -> bool:
    name = re.sub(r"-\d{3}$", "", bare(name))
    return name in FIXED_SAMPLING_MODELS or version_of(name) > 3.6
