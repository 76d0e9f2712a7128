"""The offline rule catalogue: one module per family of mistakes.

Each family module exposes ``RULES``, a tuple of :class:`Rule` declarations.
"""

from __future__ import annotations

from . import (
    comparisons,
    control_flow,
    exceptions,
    functions,
    loops,
    names,
    types_and_strings,
)
from .base import Context, Hit, Rule, hit
from .facts import ModuleFacts

FAMILIES = (comparisons, functions, loops, control_flow, exceptions, names, types_and_strings)

CATALOGUE: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.RULES)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in CATALOGUE}

if len(BY_ID) != len(CATALOGUE):  # pragma: no cover - a programming error, caught at import
    raise RuntimeError("two rules share an id")

__all__ = ["BY_ID", "CATALOGUE", "Context", "Hit", "ModuleFacts", "Rule", "hit"]
