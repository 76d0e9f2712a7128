"""The web front end: REST, the `/ws/stream` WebSocket and the dashboard (`codecoach web`), and
the folder watcher that streams to it (`codecoach watch`).

Thin like `lsp/`: routes translate HTTP and WebSocket messages to the `Coach` and to
`live.LiveDocuments` and back; there is no second copy of any logic. FastAPI, Starlette
and uvicorn are imported only here, and only by those two commands.

- `access.py`   who may talk to the server: token, Host, Origin (a pure ASGI guard)
- `protocol.py` the WebSocket messages, both ways, and what a document path may be
- `outbox.py`   one connection's outgoing messages: in order, newest analysis wins
- `documents.py` the web's `live.Frontend`: documents keyed by path, who follows them
- `stream.py`   `WS /ws/stream`
- `rest.py`     `/health`, `/insights`, `/recommendations`, `/summary`, `/feedback`
- `pages.py`    the dashboard, `/rules`, `/docs`, static assets, security headers
- `app.py`      the FastAPI application: every route, the lifespan
- `server.py`   `codecoach web`: binding, the printed URL, signals
- `watch.py`    `codecoach watch`: a folder's saved files to the stream, findings printed
"""
