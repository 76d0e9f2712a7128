"""The one place that works around pygls: what it lacks, done here so no handler needs its internals.

1. Open documents with the LSP's own line rules.

pygls' TextDocument splits its text with `str.splitlines`, which also breaks at
\\x0b, \\x0c, \\x1c-\\x1e, \\x85, U+2028 and U+2029. The LSP (and VS Code, and
Python's tokenizer) break lines only at \\n, \\r\\n and \\r, so an incremental
change on a line holding a form feed landed in the wrong place and the
server's text silently drifted from the editor's (found by the sync fuzzer in
tests/reliability). Here a change is applied by offsets computed with the
LSP's rules: a column past the end of its line means the end of the line
(not the line break), a line past the end means the end of the document.
pygls builds its `Workspace` inside its own `initialize` handling, with no
hook for the document class, so `use_lsp_line_rules` swaps it right after
(the private `protocol._workspace`; pygls 2.1.1, no upstream issue yet).

2. Requests whose params do not fit their type get an answer.

pygls raises InvalidParams while structuring such a request but only logs it,
so the client waits forever (pygls issue #326, "Be less strict with wrong LSP
types?"). `CoachProtocol` answers them with the error JSON-RPC asks for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import Workspace
from pygls.workspace.text_document import TextDocument

from ..analysis.findings import split_lines

_BREAK = re.compile(r"\r\n|\r|\n")


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        source = self.source
        return tuple(split_lines(source)) if source else ()

    @property
    def line_count(self) -> int:
        """Without building the lines (a keystroke in a 5 MB file must stay cheap)."""
        text = self.source
        return text.count("\n") + text.count("\r") - text.count("\r\n") + 1 if text else 0

    def offset_at(self, position: lsp.Position) -> int:
        """A client position -> code-point offset into the source, clamped as the spec says."""
        text = self.source
        wanted = max(position.line, 0)
        if "\r" not in text:  # the usual case: let str.split find the line, in C
            parts = text.split("\n", wanted)
            if len(parts) <= wanted:
                return len(text)
            start = len(text) - len(parts[-1])
            end = text.find("\n", start)
            return self._column(text, start, len(text) if end < 0 else end, position.character)
        line, start = 0, 0
        end = len(text)
        for match in _BREAK.finditer(text):
            if line == wanted:
                end = match.start()
                break
            line += 1
            start = match.end()
        else:
            if line < wanted:
                return len(text)
        return self._column(text, start, end, position.character)

    def _column(self, text: str, start: int, end: int, character: int) -> int:
        if text[start:end].isascii():
            return min(start + max(character, 0), end)
        units, unit_of = 0, self.position_codec.client_num_units
        for index in range(start, end):
            if units >= character:
                return index
            units += unit_of(text[index])
        return end

    def _apply_incremental_change(self, change: lsp.TextDocumentContentChangePartial) -> None:
        start = self.offset_at(change.range.start)
        end = self.offset_at(change.range.end)
        if end < start:  # a reversed range: the text between the two positions still goes
            start, end = end, start
        source = self.source
        self._source = source[:start] + change.text + source[end:]


class LspWorkspace(Workspace):
    def _create_text_document(self, doc_uri: str, source: str | None = None, version: int | None = None,
                              language_id: str | None = None) -> TextDocument:
        return LspTextDocument(doc_uri, source=source, version=version, language_id=language_id,
                               sync_kind=self._sync_kind, position_codec=self.position_codec)


def use_lsp_line_rules(protocol: LanguageServerProtocol, params: lsp.InitializeParams) -> None:
    """Call from the `initialize` handler: the same workspace pygls just built, with LSP line rules."""
    workspace = protocol.workspace
    root_uri = params.root_uri
    if root_uri is None and params.root_path is not None:
        from pygls.uris import from_fs_path

        root_uri = from_fs_path(params.root_path)
    protocol._workspace = LspWorkspace(root_uri, workspace._sync_kind, params.workspace_folders or [],
                                       workspace.position_encoding)


_ANSWERED = object()


class CoachProtocol(LanguageServerProtocol):
    """Answers a request whose params do not fit its type (see 2. above)."""

    def structure_message(self, data: dict):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if isinstance(data, dict) and "id" in data and "method" in data:
                method = data.get("method")
                answer = JsonRpcInvalidParams(f"invalid params for {method}") \
                    if isinstance(error, JsonRpcInvalidParams) else error
                self._send_response(data["id"], error=answer.to_response_error())
                return _ANSWERED
            raise

    def handle_message(self, message) -> None:
        if message is _ANSWERED:
            return
        super().handle_message(message)
