"""A real Code Coach server over stdio, driven by pytest-lsp's client."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

SERVER = [sys.executable, "-m", "codecoach", "serve"]
FAST = {"debounceMs": 50}


def recording_client() -> LanguageClient:
    """pytest-lsp's client, also keeping every publishDiagnostics with its version."""
    client = make_test_lsp_client()
    client.published = []  # type: ignore[attr-defined]
    client.statuses = []  # type: ignore[attr-defined]
    default = client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(params: lsp.PublishDiagnosticsParams) -> None:  # features are stored bound
        client.published.append(params)  # type: ignore[attr-defined]
        default(params)

    client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish

    @client.feature("codecoach/status")
    def status(ls: LanguageClient, params) -> None:
        ls.statuses.append(params)  # type: ignore[attr-defined]

    return client


def isolated_env() -> dict[str, str]:
    """The server keeps its data in a private folder and never sees a real key."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOOGLE_API_KEY", "GEMINI_API_KEY")}
    env["CODECOACH_DATA_DIR"] = tempfile.mkdtemp(prefix="codecoach-lsp-")
    return env


def config(env: dict[str, str] | None = None) -> ClientServerConfig:
    return ClientServerConfig(
        server_command=SERVER, client_factory=recording_client, server_env=env or isolated_env()
    )


async def initialize(client: LanguageClient, capabilities: lsp.ClientCapabilities, options: dict) -> None:
    await client.initialize_session(
        lsp.InitializeParams(capabilities=capabilities, initialization_options=options)
    )


def vscode_capabilities() -> lsp.ClientCapabilities:
    return client_capabilities("visual-studio-code")


def utf8_plaintext_capabilities() -> lsp.ClientCapabilities:
    """An editor that negotiates UTF-8 columns and only renders plain text hovers."""
    caps = client_capabilities("neovim")
    caps.general = caps.general or lsp.GeneralClientCapabilities()
    caps.general.position_encodings = [lsp.PositionEncodingKind.Utf8]
    if caps.text_document and caps.text_document.hover:
        caps.text_document.hover.content_format = [lsp.MarkupKind.PlainText]
    return caps


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    await initialize(lsp_client, vscode_capabilities(), FAST)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=config())
async def utf8_client(lsp_client: LanguageClient):
    await initialize(lsp_client, utf8_plaintext_capabilities(), FAST)
    yield
    await lsp_client.shutdown_session()


async def diagnostics_for(client: LanguageClient, uri: str, version: int, timeout: float = 10.0):
    """The diagnostics published for exactly this version of the document."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for params in reversed(client.published):  # type: ignore[attr-defined]
            if params.uri == uri and params.version == version:
                return params.diagnostics
        if asyncio.get_running_loop().time() > deadline:
            seen = [(p.uri, p.version) for p in client.published]  # type: ignore[attr-defined]
            raise AssertionError(f"no diagnostics for {uri} v{version}; published: {seen}")
        await asyncio.sleep(0.02)


def open_document(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )


def change_document(client: LanguageClient, uri: str, version: int, *changes: lsp.TextDocumentContentChangeEvent) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=list(changes),
        )
    )


def replace_range(start: tuple[int, int], end: tuple[int, int], text: str) -> lsp.TextDocumentContentChangePartial:
    return lsp.TextDocumentContentChangePartial(
        range=lsp.Range(start=lsp.Position(*start), end=lsp.Position(*end)), text=text
    )
