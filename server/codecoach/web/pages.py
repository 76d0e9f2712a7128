"""The pages a browser opens (the dashboard, `/rules`, `/docs`) and the headers every answer carries.

The dashboard is a static page plus one script and one stylesheet built from the same
sources as the VS Code summary (extension/dashboard/ in the repository; `npm run build:dashboard`
writes them into static/). Nothing is inline and nothing comes from another site, so
the policy can say: scripts, styles, images and connections from this server only,
no frames, no forms, no plugins. `/rules` and `/docs` are rendered here (the rules page
is the one shipped in the package; `/docs` renders the OpenAPI schema without Swagger's
CDN scripts, which would run with the learner's cookie); their single `<style>` element
gets a fresh nonce per answer.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ..analysis.catalogue_doc import PAGE_STYLE
from ..analysis.findings import RULES_PAGE
from .access import Receive, Scope, Send

STATIC = Path(__file__).resolve().parent / "static"

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
# Answers that are not pages: nothing may run or load in them.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"


def dashboard_policy(host: str) -> str:
    """The dashboard's CSP: only this server, WebSocket included (some browsers do not count ws: as 'self')."""
    host = "".join(c for c in host if c.isalnum() or c in ".-:[]")  # the Host was checked; keep it inert
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            f"connect-src 'self' ws://{host} wss://{host}; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'; object-src 'none'")


def styled_page_policy(nonce: str) -> str:
    return (f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'; object-src 'none'")


def nonce() -> str:
    return secrets.token_urlsafe(18)


@cache
def dashboard_html() -> str:
    return (STATIC / "index.html").read_text(encoding="utf-8")


@cache
def rules_html() -> str:
    """The rules page shipped in the package (the one diagnostics link to)."""
    return RULES_PAGE.read_text(encoding="utf-8")


def with_style_nonce(page: str, value: str) -> str:
    return page.replace("<style>", f'<style nonce="{value}">', 1)


class SecurityHeaders:
    """Adds the base headers to every HTTP answer, and a locked-down CSP to those that set none."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode("latin-1").lower() for k, _ in headers}
                for name, value in BASE_HEADERS.items():
                    if name not in present:
                        headers.append((name.encode(), value.encode()))
                if "content-security-policy" not in present:
                    headers.append((b"content-security-policy", DATA_POLICY.encode()))
                if "cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))  # a learner's history stays out of caches
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- /docs: the OpenAPI schema as a page ---------------------------------------------------
def docs_html(schema: Mapping[str, Any]) -> str:
    """The API reference from the OpenAPI schema (the same one `/openapi.json` serves)."""
    e = html.escape
    info = schema.get("info", {})
    out = [f"<h1>{e(info.get('title', 'API'))} <small>{e(str(info.get('version', '')))}</small></h1>",
           f"<p>{e(info.get('description', ''))}</p>",
           '<p>The machine-readable schema is <a href="/openapi.json">/openapi.json</a>; message shapes, '
           "the WebSocket and auth are described in docs/web.md.</p>"]
    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            out.append(f'<h2 id="{e(method)}-{e(path.strip("/") or "root")}"><code>{e(method.upper())} {e(path)}</code>'
                       "</h2>")
            if op.get("summary"):
                out.append(f"<p><strong>{e(op['summary'])}</strong></p>")
            if op.get("description"):
                out += [f"<p>{e(p)}</p>" for p in op["description"].split("\n\n")]
            params = op.get("parameters", [])
            if params:
                out.append("<h3>Parameters</h3><ul>")
                for p in params:
                    out.append(f"<li><code>{e(p['name'])}</code> ({e(p.get('in', ''))}"
                               f"{', required' if p.get('required') else ''}): {e(_type(p.get('schema', {}), schema))}"
                               f"{' — ' + e(p['description']) if p.get('description') else ''}</li>")
                out.append("</ul>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                out.append(f"<h3>Body</h3>{_model(body, schema)}")
            responses = op.get("responses", {})
            if responses:
                out.append("<h3>Answers</h3><ul>")
                for status, answer in responses.items():
                    out.append(f"<li><code>{e(status)}</code> {e(answer.get('description', ''))}</li>")
                out.append("</ul>")
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="color-scheme" content="light dark">\n<title>Code Coach web API</title>\n'
            f"<style>{PAGE_STYLE}</style>\n</head>\n<body>\n" + "\n".join(out) + "\n</body>\n</html>\n")


def _resolve(node: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return node


def _type(node: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    node = _resolve(node, schema)
    if "anyOf" in node:
        return " or ".join(_type(n, schema) for n in node["anyOf"])
    if "enum" in node:
        return " | ".join(repr(v) for v in node["enum"])
    kind = str(node.get("type", "object"))
    limits = [f"{k} {node[k]}" for k in ("minimum", "maximum", "minLength", "maxLength", "pattern", "format")
              if k in node]
    if "default" in node:
        limits.append(f"default {node['default']!r}")
    return kind + (f" ({', '.join(limits)})" if limits else "")


def _model(node: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    node = _resolve(node, schema)
    required = set(node.get("required", []))
    items = [f"<li><code>{html.escape(name)}</code>{' (required)' if name in required else ''}: "
             f"{html.escape(_type(prop, schema))}"
             f"{' — ' + html.escape(prop['description']) if prop.get('description') else ''}</li>"
             for name, prop in node.get("properties", {}).items()]
    return "<ul>" + "".join(items) + "</ul>"
