"""The FastAPI application: every route in one table, the guard around it, and its lifespan.

Like `lsp/router.py`, routes are registered explicitly here; the handlers live one
concern per module (rest, stream, pages) and only translate.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..coach import Coach
from ..live import LiveDocuments
from . import pages, rest, stream
from .access import Access, Guard
from .documents import WebDocuments

log = logging.getLogger("codecoach")


@dataclass
class WebState:
    coach: Coach
    documents: WebDocuments
    live: LiveDocuments
    access: Access


def build_app(coach: Coach, access: Access) -> FastAPI:
    """The web front end over `coach`, guarded by `access`."""
    documents = WebDocuments(coach)
    live = LiveDocuments(coach, documents)
    documents.live = live
    state = WebState(coach, documents, live, access)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        documents.loop = asyncio.get_running_loop()
        live.start_chores(documents.send_status)
        gc.freeze()  # what is imported by now lives for the whole process: never scan it again
        yield
        live.shutdown()
        coach.close()  # what is on screen is remembered, and the memory flushed

    app = FastAPI(
        title="Code Coach", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
        description="A learning coach for Python: the same analysis, memory and services as the editor, over "
                    "HTTP and a WebSocket. Every path except /health needs the token.")
    app.state.web = state

    app.add_api_route("/", dashboard, methods=["GET"], include_in_schema=False)
    app.add_api_route("/rules", rules, methods=["GET"], include_in_schema=False)
    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
    app.add_api_route("/favicon.ico", no_icon, methods=["GET"], include_in_schema=False)
    app.include_router(rest.router)
    app.add_api_websocket_route("/ws/stream", stream.stream)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _server_error)

    # The last added runs first: every answer gets the security headers, the guard's refusals included.
    app.add_middleware(Guard, access=access)
    app.add_middleware(pages.SecurityHeaders)
    return app


async def dashboard(request: Request) -> HTMLResponse:
    return HTMLResponse(pages.dashboard_html(), headers={
        "content-security-policy": pages.dashboard_policy(request.headers.get("host", ""))})


async def rules() -> HTMLResponse:
    value = pages.nonce()
    return HTMLResponse(pages.with_style_nonce(pages.rules_html(), value),
                        headers={"content-security-policy": pages.styled_page_policy(value),
                                 "cache-control": "no-cache"})


async def docs(request: Request) -> HTMLResponse:
    value = pages.nonce()
    return HTMLResponse(pages.with_style_nonce(pages.docs_html(request.app.openapi()), value),
                        headers={"content-security-policy": pages.styled_page_policy(value)})


async def no_icon() -> Response:
    """Browsers ask every page's server for one; there is none, and that is not an error."""
    return Response(status_code=204)


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    """One sentence a person can act on ("limit: Input should be less than or equal to 50, not 500"),
    with pydantic's details beside it."""
    sentences = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("query", "body"))
        got = f", not {item['input']!r}" if "input" in item and not isinstance(item["input"], dict) else ""
        sentences.append(f"{where or 'request'}: {item.get('msg', 'invalid')}{got}")
    errors = [{k: v for k, v in item.items() if k in ("loc", "msg", "type")} for item in error.errors()]
    return JSONResponse({"detail": "; ".join(sentences), "errors": errors}, status_code=422)


async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
    return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)


async def _server_error(request: Request, error: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path, exc_info=error)
    return JSONResponse({"detail": "the server could not answer; see its log"}, status_code=500)
