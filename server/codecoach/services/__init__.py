"""Services: what the learner asks for on purpose (insights, recommendations, summaries,
explanations), shared by the language server, the CLI and any later front.

Domain code: never imports the LSP layer (pygls, lsprotocol), nor the memory package:
every service takes the memory's read side (`memory_view.MemoryView`, which `Memory`
satisfies) and plain values and returns JSON-ready dicts; long ones accept a
`cancelled()` callable, checked between steps, and raise `Cancelled` when it says so.
"""

from __future__ import annotations

from collections.abc import Callable


class Cancelled(Exception):
    """The caller cancelled the request (e.g. the LSP client cancelled the progress)."""


def check(cancelled: Callable[[], bool] | None) -> None:
    """Raise `Cancelled` if `cancelled()` says so (a None callable never cancels)."""
    if cancelled is not None and cancelled():
        raise Cancelled()


__all__ = ["Cancelled", "check"]
