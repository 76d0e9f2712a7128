"""Rule family: types_and_strings (being written)."""

from __future__ import annotations

from .base import Rule

RULES: tuple[Rule, ...] = ()
