"""initialize, initialized, didChangeConfiguration, shutdown, and the server's periodic chores."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from .. import __version__
from .inlay_hints import refresh_supported
from .pygls_adapter import use_lsp_line_rules

if TYPE_CHECKING:
    from .server import CoachServer

log = logging.getLogger("codecoach")


def on_initialize(ls: CoachServer, params: lsp.InitializeParams) -> None:
    use_lsp_line_rules(ls.protocol, params)
    hover = params.capabilities.text_document and params.capabilities.text_document.hover
    formats = (hover.content_format if hover else None) or []
    # Some clients accept only plain text: the first format they list that we can write wins.
    ls.hover_kind = next(
        (kind for kind in formats if kind in (lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText)),
        lsp.MarkupKind.PlainText,
    )
    ls.inlay_refresh.supported = refresh_supported(params.capabilities)
    ls.apply_settings(params.initialization_options)


def on_initialized(ls: CoachServer, params: lsp.InitializedParams) -> None:
    ls.loop = asyncio.get_running_loop()
    ls.log_handler.bind()
    logging.getLogger("codecoach").addHandler(ls.log_handler)
    gc.freeze()  # everything imported so far lives for the whole process: never scan it again
    _start_chores(ls)
    log.info(
        "Code Coach %s ready (position encoding %s, hovers as %s)",
        __version__, getattr(ls.workspace.position_encoding, "value", "utf-16"), ls.hover_kind.value,
    )
    ls.send_status()


def on_configuration(ls: CoachServer, params: lsp.DidChangeConfigurationParams) -> None:
    ls.apply_settings(params.settings)
    ls.live.reanalyze_all()


def on_shutdown(ls: CoachServer, params: Any = None) -> None:
    ls.live.shutdown()
    ls.coach.close()


def _start_chores(ls: CoachServer) -> None:
    ls.live.start_chores(ls.send_status)
