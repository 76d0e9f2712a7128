"""What the services read from the memory: a small read-side Protocol.

`memory.Memory` satisfies it; so does anything else that answers these queries
(a test double, a remote read model). The services never import the memory
package: they depend on this shape only, which keeps the dependency one way
(memory knows nothing of services) and says exactly which queries a summary,
insights or recommendations may make.

Times are Unix seconds (`since`/`until` may also be a date or datetime, and
None is an open end); every query answers empty rather than raising when the
log cannot be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol


class MasteryTransition(Protocol):
    @property
    def ts(self) -> float: ...

    @property
    def after(self) -> Any: ...  # a mastery State (an Enum whose value is its name)


class ConceptState(Protocol):
    @property
    def state(self) -> Any: ...


class ConceptChange(Protocol):
    @property
    def concept(self) -> str: ...

    @property
    def transitions(self) -> Iterable[MasteryTransition]: ...


class History(Protocol):
    """The queries the services make (see memory/queries.py for their definitions)."""

    def per_day(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]: ...

    def per_concept(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]: ...

    def per_rule(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]: ...

    def per_file(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]: ...

    def events(self, kind: str = "shown", since: Any = None, until: Any = None, *, limit: int = 1000,
               file: str | None = None, rule: str | None = None,
               concept: str | None = None) -> list[dict[str, Any]]: ...

    def sessions(self, since: Any = None, until: Any = None, *,
                 active_only: bool = False) -> list[dict[str, Any]]: ...

    def feedback_counts(self, since: Any = None, until: Any = None) -> dict[str, tuple[int, int]]: ...

    def mastery(self, at: Any = None) -> Mapping[str, ConceptState]: ...

    def mastery_changes(self, since: Any, until: Any = None) -> Sequence[ConceptChange]: ...

    def prerequisites(self, concept: str) -> list[str]: ...


class MemoryView(History, Protocol):
    """The memory as the services see it: its history, its clock and its folder."""

    @property
    def clock(self) -> Callable[[], float]: ...  # "now" for the services, so tests inject time

    @property
    def data_dir(self) -> Path: ...  # where recommendations keep their rotation state


class NoHistory:
    """A history with nothing in it: a summary when the memory could not open or is off."""

    def per_day(self, kind: str = "shown", since: Any = None, until: Any = None) -> dict[str, int]:
        return {}

    per_concept = per_rule = per_file = per_day

    def events(self, kind: str = "shown", since: Any = None, until: Any = None, *, limit: int = 1000,
               file: str | None = None, rule: str | None = None,
               concept: str | None = None) -> list[dict[str, Any]]:
        return []

    def sessions(self, since: Any = None, until: Any = None, *,
                 active_only: bool = False) -> list[dict[str, Any]]:
        return []

    def feedback_counts(self, since: Any = None, until: Any = None) -> dict[str, tuple[int, int]]:
        return {}

    def mastery(self, at: Any = None) -> Mapping[str, ConceptState]:
        return {}

    def mastery_changes(self, since: Any, until: Any = None) -> Sequence[ConceptChange]:
        return []

    def prerequisites(self, concept: str) -> list[str]:
        return []
