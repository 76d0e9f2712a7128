"""Every LSP method the server answers, its handler, and where the work runs; `build_server()`.

Handlers run on the event loop and must stay cheap: they translate and
schedule. "runs on" says where the real work goes (codecoach.scheduling,
codecoach.live).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lsprotocol import types as lsp

from ..coach import Coach
from ..scheduling import tune_for_latency
from . import code_actions, commands, documents, hover, inlay_hints, lifecycle
from .server import CoachServer


@dataclass(frozen=True)
class Route:
    method: str
    handler: Callable
    runs_on: str  # where the work goes: "loop" (cheap, answered at once) or a worker's name
    options: Any = None


ROUTES: tuple[Route, ...] = (
    Route(lsp.INITIALIZE, lifecycle.on_initialize, "loop"),
    Route(lsp.INITIALIZED, lifecycle.on_initialized, "loop"),
    Route(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION, lifecycle.on_configuration, "loop, then analysis"),
    Route(lsp.SHUTDOWN, lifecycle.on_shutdown, "loop"),
    Route(lsp.TEXT_DOCUMENT_DID_OPEN, documents.on_open, "analysis"),
    Route(lsp.TEXT_DOCUMENT_DID_CHANGE, documents.on_change,
          "analysis after debounceMs, then examples, memory and cloud"),
    Route(lsp.TEXT_DOCUMENT_DID_CLOSE, documents.on_close, "loop (settles the document)"),
    Route(lsp.TEXT_DOCUMENT_HOVER, hover.on_hover, "loop"),
    # What each line printed when the examples last ran (they run on the examples worker after
    # settleSeconds; the editor is asked to re-pull after each run).
    Route(lsp.TEXT_DOCUMENT_INLAY_HINT, inlay_hints.on_inlay_hint, "loop", inlay_hints.OPTIONS),
    Route(lsp.TEXT_DOCUMENT_CODE_ACTION, code_actions.on_code_action, "loop", code_actions.OPTIONS),
)


# workspace/executeCommand: explain, disableRule and feedback answer on the loop; the summary,
# insights and recommendations run on the services worker, with work-done progress.
COMMANDS: dict[str, Callable] = dict(commands.COMMANDS)


def build_server(coach: Coach | None = None) -> CoachServer:
    """A server with every route and command registered, explicitly."""
    server = CoachServer(coach)
    for route in ROUTES:
        server.feature(route.method, route.options)(route.handler)
    for name, handler in COMMANDS.items():
        server.command(name)(handler)
    return server


def main() -> None:
    tune_for_latency()
    build_server().start_io()
