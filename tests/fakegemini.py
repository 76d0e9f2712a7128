"""A fake Gemini API on 127.0.0.1 for tests: the real REST shapes, scriptable faults.

The real SDK (google-genai under langchain-google-genai) is pointed at it with
`base_url=fake.url`. Under both API versions, ``/v1/`` and ``/v1beta/`` (each
recorded request says which one it used, `Recorded.api_version`), it speaks

- ``POST /{version}/models/{model}:generateContent``
- ``POST /{version}/models/{model}:streamGenerateContent?alt=sse``
- ``POST /{version}/models/{model}:batchEmbedContents``
- ``GET /{version}/models`` (paged) and ``GET /{version}/models/{model}``: the Models API,
  listing `fake.models`; a model in `fake.retired` is not listed and its
  generateContent answers the real 404 ``NOT_FOUND``.

checks the ``x-goog-api-key`` header (a wrong key gets the real 400
``API_KEY_INVALID``), records every request (path, headers, parsed body) and
answers from a script. A script entry is a `Reply`; when the script is empty
the `default` reply is used. `fake.versions` limits the versions it serves.
`fake.requests` holds the POSTs (what a quota counts), `fake.model_list_requests`
the Models API GETs.

Fault modes, each shaped like the real API's answer:

- `Reply.rate_limited(retry_delay=7)`: 429 RESOURCE_EXHAUSTED with a
  ``google.rpc.RetryInfo`` detail (``"retryDelay": "7s"``) and a
  ``QuotaFailure`` naming a per-minute (or per-day) quota,
- `Reply.server_error()`: 500 INTERNAL,
- `Reply.slow(seconds, then)`: waits before answering (past the client's timeout),
- `Reply.malformed()` / `Reply.truncated()` / `Reply.not_json()`: a 200 whose text
  is not the JSON that was asked for (prose, cut off at MAX_TOKENS, an HTML page),
- `Reply.empty()`: no candidates at all, only prompt feedback,
- `Reply.safety()`: a candidate stopped with ``finishReason: SAFETY`` and no content,
- connection refused: `FakeGemini.refused_url()` (a port nobody listens on) or `stop()`.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

API_KEY = "fake-test-key-0123456789"
EMBEDDING_DIM = 8
# What the Models API lists by default: today's stable chat models and the embedding model.
MODELS = ("gemini-3.8-flash", "gemini-3.6-flash", "gemini-3.5-flash-lite", "gemini-3.1-flash-lite")
EMBEDDING_MODELS = ("gemini-embedding-001",)


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    raw: bytes
    body: Any

    @property
    def api_version(self) -> str:
        """`v1` or `v1beta`: the first path segment."""
        return self.path.lstrip("/").split("/", 1)[0]

    @property
    def model(self) -> str:
        # /v1/models/gemini-3.5-flash-lite:generateContent
        tail = self.path.rsplit("/", 1)[-1]
        return tail.split(":", 1)[0]

    @property
    def action(self) -> str:
        return self.path.rsplit(":", 1)[-1] if ":" in self.path else ""

    @property
    def text(self) -> str:
        """All text the client sent (system instruction and contents)."""
        return self.raw.decode("utf-8", "replace")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    delay: float = 0.0
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    # -- successes ----------------------------------------------------------
    @classmethod
    def text(cls, text: str, *, finish: str = "STOP", usage: dict | None = None) -> Reply:
        return cls(body=_generate_response(text, finish=finish, usage=usage))

    @classmethod
    def json(cls, payload: Any, **kwargs: Any) -> Reply:
        """A structured-output answer: the reply text is the JSON document."""
        return cls.text(json.dumps(payload), **kwargs)

    # -- faults -------------------------------------------------------------
    @classmethod
    def rate_limited(cls, retry_delay: float | None = 7, *, per_day: bool = False) -> Reply:
        quota_id = (
            "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
            if per_day
            else "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
        )
        details: list[dict] = [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                        "quotaId": quota_id,
                        "quotaDimensions": {"location": "global", "model": "gemini-3.5-flash-lite"},
                        "quotaValue": "250" if per_day else "10",
                    }
                ],
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [{"description": "Learn more about Gemini API quotas",
                           "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}],
            },
        ]
        if retry_delay is not None:
            details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo",
                            "retryDelay": f"{retry_delay:g}s"})
        return cls(status=429, body=_error(429, "RESOURCE_EXHAUSTED",
                                          "You exceeded your current quota, please check your plan and billing details.",
                                          details))

    @classmethod
    def server_error(cls, status: int = 500) -> Reply:
        name = {500: "INTERNAL", 503: "UNAVAILABLE"}.get(status, "INTERNAL")
        return cls(status=status, body=_error(status, name, "An internal error has occurred."))

    @classmethod
    def slow(cls, seconds: float, then: Reply | None = None) -> Reply:
        reply = then or Reply.json({"chunks": []})
        return cls(status=reply.status, body=reply.body, raw=reply.raw, delay=seconds)

    @classmethod
    def malformed(cls) -> Reply:
        """The model ignored the schema: prose around a broken JSON fragment."""
        return cls.text('Sure! Here is my review: {"chunks": [oops')

    @classmethod
    def truncated(cls) -> Reply:
        """Output cut off at the token limit: partial JSON, finishReason MAX_TOKENS."""
        return cls.text('{"chunks": [{"chunk_id": "c1", "topic": ', finish="MAX_TOKENS")

    @classmethod
    def not_json(cls) -> Reply:
        """A 200 whose body is not JSON at all (a broken proxy)."""
        return cls(raw=b"<html>502 Bad Gateway</html>", headers={"Content-Type": "text/html"})

    @classmethod
    def empty(cls) -> Reply:
        return cls(body={"promptFeedback": {"blockReason": "OTHER"},
                         "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
                         "modelVersion": "gemini-3.5-flash-lite"})

    @classmethod
    def safety(cls) -> Reply:
        return cls(body={
            "candidates": [{
                "finishReason": "SAFETY",
                "index": 0,
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}
                ],
            }],
            "usageMetadata": {"promptTokenCount": 40, "totalTokenCount": 40},
            "modelVersion": "gemini-3.5-flash-lite",
        })


def _error(code: int, status: str, message: str, details: list | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}


def _generate_response(text: str, *, finish: str = "STOP", usage: dict | None = None) -> dict:
    prompt_tokens = 100
    out_tokens = max(1, len(text) // 4)
    return {
        "candidates": [{
            "content": {"role": "model", "parts": [{"text": text}]},
            "finishReason": finish,
            "index": 0,
        }],
        "usageMetadata": usage or {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": out_tokens,
            "totalTokenCount": prompt_tokens + out_tokens,
        },
        "modelVersion": "gemini-3.5-flash-lite",
        "responseId": "fake-response",
    }


def _model_entry(name: str, methods: list[str]) -> dict:
    return {
        "name": f"models/{name}",
        "version": "001",
        "displayName": name.replace("-", " ").title(),
        "description": f"Fake {name}",
        "inputTokenLimit": 1048576,
        "outputTokenLimit": 65536,
        "supportedGenerationMethods": methods,
        "temperature": 1.0,
        "maxTemperature": 2.0,
        "topP": 0.95,
        "topK": 64,
    }


def embedding_for(text: str, dim: int = EMBEDDING_DIM) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round((b - 128) / 128, 4) for b in digest[:dim]]


class FakeGemini:
    """Start with `with FakeGemini() as fake:`; point the SDK at `fake.url`."""

    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        # Calls that generate or embed (what a quota counts), and the Models API's GETs, apart.
        self.requests: list[Recorded] = []
        self.model_list_requests: list[Recorded] = []
        self.script: deque[Reply] = deque()
        self.default: Reply = Reply.json({"chunks": []})
        self.models: list[str] = list(MODELS)
        self.retired: set[str] = set()
        self.versions: set[str] = {"v1", "v1beta"}
        self.page_size = 3  # small, so that the client's paging is exercised
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> FakeGemini:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with fake._lock:
                    fake._connections.add(self.connection)

            def finish(self) -> None:
                with fake._lock:
                    fake._connections.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def _send_json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="fake-gemini", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        # Kept-alive connections would go on being served: cut them, like a dead server.
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            except OSError:
                pass

    def __enter__(self) -> FakeGemini:  # noqa: PYI034
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def refused_url() -> str:
        """A URL on a port that was free a moment ago: connecting is refused."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    # -- scripting ------------------------------------------------------------
    def reply(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def reply_json(self, payload: Any) -> None:
        self.reply(Reply.json(payload))

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.model_list_requests.clear()
            self.script.clear()

    @property
    def generate_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.action in ("generateContent", "streamGenerateContent")]

    def all_text(self) -> str:
        return "\n".join(r.text for r in self.requests)

    # -- serving --------------------------------------------------------------
    def _next_reply(self) -> Reply:
        with self._lock:
            return self.script.popleft() if self.script else self.default

    def _handle(self, handler: Any, method: str = "POST") -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        parts = urlsplit(handler.path)
        record = Recorded(method, parts.path, parts.query, dict(handler.headers.items()), raw, body)
        with self._lock:
            (self.requests if method == "POST" else self.model_list_requests).append(record)

        key = handler.headers.get("x-goog-api-key")
        if key != self.api_key:
            handler._send_json(400, _error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}]))
            return
        version = record.api_version
        if version not in self.versions or not parts.path.startswith(f"/{version}/models"):
            handler._send_json(404, _error(404, "NOT_FOUND", f"Unknown path {parts.path}"))
            return
        if method == "GET":
            self._send_models(handler, parts.path, parts.query, version)
            return
        if ":" not in parts.path:
            handler._send_json(404, _error(404, "NOT_FOUND", f"Unknown path {parts.path}"))
            return

        action = record.action
        if action in ("generateContent", "streamGenerateContent") and (
            record.model in self.retired or record.model not in self.models
        ):
            handler._send_json(404, _error(404, "NOT_FOUND", (
                f"models/{record.model} is not found for API version {version}, or is not supported for "
                f"{action}. Call ListModels to see the list of available models and their supported methods.")))
            return
        if action == "batchEmbedContents":
            requests = (body or {}).get("requests", [])
            handler._send_json(200, {"embeddings": [
                {"values": embedding_for("".join(p.get("text", "") for p in r["content"]["parts"]))}
                for r in requests
            ]})
            return
        if action == "embedContent":
            text = "".join(p.get("text", "") for p in (body or {}).get("content", {}).get("parts", []))
            handler._send_json(200, {"embedding": {"values": embedding_for(text)}})
            return
        if action not in ("generateContent", "streamGenerateContent"):
            handler._send_json(404, _error(404, "NOT_FOUND", f"Unknown method {action}"))
            return

        reply = self._next_reply()
        if reply.delay and self._stopping.wait(reply.delay):
            return
        try:
            if action == "streamGenerateContent" and reply.status == 200 and reply.raw is None:
                self._send_sse(handler, reply.body)
            elif reply.raw is not None:
                handler.send_response(reply.status)
                for name, value in (reply.headers or {"Content-Type": "text/plain"}).items():
                    handler.send_header(name, value)
                handler.send_header("Content-Length", str(len(reply.raw)))
                handler.end_headers()
                handler.wfile.write(reply.raw)
            else:
                handler._send_json(reply.status, reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): that is the point of a slow reply

    def _listed(self) -> list[dict]:
        chat = [m for m in self.models if m not in self.retired]
        return [_model_entry(m, ["generateContent", "countTokens", "createCachedContent"]) for m in chat] + [
            _model_entry(m, ["embedContent", "countTextTokens", "countTokens"]) for m in EMBEDDING_MODELS
        ]

    def _send_models(self, handler: Any, path: str, query: str, version: str) -> None:
        listed = self._listed()
        name = path[len(f"/{version}/models"):].strip("/")
        if name:
            entry = next((m for m in listed if m["name"] == f"models/{name}"), None)
            if entry is None:
                handler._send_json(404, _error(404, "NOT_FOUND", f"Model is not found: models/{name} for API version {version}"))
            else:
                handler._send_json(200, entry)
            return
        from urllib.parse import parse_qs

        params = parse_qs(query)
        size = min(int((params.get("pageSize") or [self.page_size])[0]), self.page_size)
        start = int((params.get("pageToken") or ["0"])[0] or 0)
        page: dict[str, Any] = {"models": listed[start : start + size]}
        if start + size < len(listed):
            page["nextPageToken"] = str(start + size)
        handler._send_json(200, page)

    @staticmethod
    def _send_sse(handler: Any, body: dict) -> None:
        """Split the reply text into a few SSE events, as the real API streams it."""
        events: list[dict] = []
        candidates = body.get("candidates") or []
        text = ""
        if candidates and candidates[0].get("content"):
            text = "".join(p.get("text", "") for p in candidates[0]["content"]["parts"])
        pieces = [text[i : i + 40] for i in range(0, len(text), 40)] or [""]
        for i, piece in enumerate(pieces):
            event: dict[str, Any] = {"candidates": [{
                "content": {"role": "model", "parts": [{"text": piece}]}, "index": 0}],
                "modelVersion": "gemini-3.5-flash-lite"}
            if i == len(pieces) - 1:
                event["candidates"][0]["finishReason"] = candidates[0].get("finishReason", "STOP") if candidates else "STOP"
                event["usageMetadata"] = body.get("usageMetadata", {})
            events.append(event)
        data = b"".join(b"data: " + json.dumps(e).encode() + b"\r\n\r\n" for e in events)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
