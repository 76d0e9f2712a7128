"""Document sync, fuzzed through the real server over stdio.

Random sequences of incremental edits (multi-byte and emoji text, CRLF and lone
CR, the characters `str.splitlines` mistakes for line breaks, edits at the very
end, empty changes, inserts, deletes, replacements, several changes in one
didChange, now and then a whole-document change) are sent as VS Code sends
them: ranges in UTF-16 units, each change relative to the text left by the
previous one. The client keeps its own model of the text with the LSP's line
rules (breaks only at \\n, \\r\\n, \\r).

The oracle: after each batch the client turns EVERY line of its model into
``if S is '''<line>''': pass`` (one more didChange, bottom-up), which makes the
server's analysis report one CC102 per line whose range ends at
3 + len("S is '''") + utf16(line) + 3. The published diagnostics for that
version therefore reveal the server's line count and the UTF-16 length of each
of its lines, computed on the server's own text; they must equal what the
client model predicts. Then the wrapping is removed again with incremental
deletes (themselves checked by the next round). The content alphabet has no
quote or backslash, so every wrapped line is valid Python whatever the edits did.

Default: a short run (max_examples 30). CODECOACH_FUZZ_LONG=1: thousands.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp

from lsp.conftest import diagnostics_for

from .conftest import (
    ThreadedClient,
    apply_change,
    end_position,
    line_spans,
    position_at,
    utf16_len,
    valid_offsets,
)

LONG = os.environ.get("CODECOACH_FUZZ_LONG") == "1"
EXAMPLES = int(os.environ.get("CODECOACH_FUZZ_EXAMPLES", "3000" if LONG else "50"))

PIECES = [
    "a", "b", "x", "1", " ", "\t", "=", "(", ")", ":", "#",
    "é", "ß", "中", "Ω", "e\u0301",         # multi-byte, a combining accent
    "😀", "👩‍💻", "🇫🇷", "\U0001d54f",      # astral: two UTF-16 units each code point
    "\n", "\r\n", "\r", "\n\n", "\r\n\r\n",  # the LSP's line breaks
    "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029",  # NOT line breaks in LSP
]
fragments = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
PREFIX, SUFFIX = "if S is '''", "''': pass"
STATS = {"examples": 0, "didChange": 0, "changes": 0, "checks": 0, "lines_checked": 0}


@pytest.fixture(scope="module")
def server():
    threaded = ThreadedClient(options={"debounceMs": 0})
    yield threaded
    threaded.close()
    print(f"\nsync fuzz: {STATS}")


def draw_change(data: st.DataObject, text: str) -> lsp.TextDocumentContentChangeEvent:
    kind = data.draw(st.sampled_from(["insert", "delete", "replace", "empty", "end", "end", "full"]))
    if kind == "full" and data.draw(st.integers(0, 3)) == 0:  # rare: a whole-document change
        return lsp.TextDocumentContentChangeWholeDocument(text=data.draw(fragments))
    if kind == "end":
        position = end_position(text)
        return lsp.TextDocumentContentChangePartial(range=lsp.Range(position, position), text=data.draw(fragments))
    offsets = valid_offsets(text)
    a = data.draw(st.sampled_from(offsets))
    b = a if kind in ("insert", "empty") else data.draw(st.sampled_from(offsets))
    a, b = min(a, b), max(a, b)
    new = "" if kind in ("delete", "empty") else data.draw(fragments)
    return lsp.TextDocumentContentChangePartial(
        range=lsp.Range(position_at(text, a), position_at(text, b)), text=new
    )


class Doc:
    def __init__(self, server: ThreadedClient, uri: str, text: str) -> None:
        self.server, self.uri, self.text, self.version = server, uri, text, 1
        server.call(server.client.text_document_did_open, lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))

    def change(self, changes: list[lsp.TextDocumentContentChangeEvent]) -> None:
        for change in changes:
            self.text = apply_change(self.text, change)
        self.version += 1
        STATS["didChange"] += 1
        STATS["changes"] += len(changes)
        self.server.call(self.server.client.text_document_did_change, lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            content_changes=changes))

    def check(self) -> None:
        """Wrap every line, read the CC102 ranges the server computes, unwrap."""
        contents = [self.text[s:e] for s, e in line_spans(self.text)]
        wrap: list[lsp.TextDocumentContentChangeEvent] = []
        for line in reversed(range(len(contents))):
            width = utf16_len(contents[line])
            wrap.append(insert_at(line, width, SUFFIX))
            wrap.append(insert_at(line, 0, PREFIX))
        self.change(wrap)
        diagnostics = self.server.run(diagnostics_for(self.server.client, self.uri, self.version, timeout=20))
        got = sorted((d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
                     for d in diagnostics if d.code == "CC102")
        expected = [(i, 3, i, len(PREFIX) + utf16_len(c) + 3) for i, c in enumerate(contents)]
        assert got == expected, f"server text differs from the client's {self.text!r}"
        STATS["checks"] += 1
        STATS["lines_checked"] += len(contents)
        unwrap: list[lsp.TextDocumentContentChangeEvent] = []
        for line in reversed(range(len(contents))):
            width = len(PREFIX) + utf16_len(contents[line])
            unwrap.append(delete_at(line, width, width + len(SUFFIX)))
            unwrap.append(delete_at(line, 0, len(PREFIX)))
        self.change(unwrap)

    def close(self) -> None:
        self.server.call(self.server.client.text_document_did_close, lsp.DidCloseTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=self.uri)))


def insert_at(line: int, column: int, text: str) -> lsp.TextDocumentContentChangePartial:
    position = lsp.Position(line, column)
    return lsp.TextDocumentContentChangePartial(range=lsp.Range(position, position), text=text)


def delete_at(line: int, start: int, end: int) -> lsp.TextDocumentContentChangePartial:
    return lsp.TextDocumentContentChangePartial(
        range=lsp.Range(lsp.Position(line, start), lsp.Position(line, end)), text="")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_incremental_edits_keep_the_servers_text_identical(server, data):
    STATS["examples"] += 1
    doc = Doc(server, f"file:///tmp/fuzz/doc{STATS['examples']}_{time.monotonic_ns()}.py", data.draw(fragments))
    try:
        doc.check()
        for _batch in range(data.draw(st.integers(1, 3))):
            for _notification in range(data.draw(st.integers(1, 3))):
                changes = []
                text = doc.text
                for _ in range(data.draw(st.integers(1, 3))):
                    change = draw_change(data, text)
                    changes.append(change)
                    text = apply_change(text, change)
                doc.change(changes)
            doc.check()
    finally:
        doc.close()


# Regressions found by the fuzzer, kept as plain examples.
REGRESSIONS = [
    "a\x0cb\nc",            # form feed: str.splitlines breaks here, the LSP does not
    "x\u2028y\r\nz\x85w",    # line and paragraph separators, NEL
    "a\x1c\x1d\x1eb\x0b",    # file/group/record separators, vertical tab
    "😀\r",                  # astral text, then a lone CR at the very end
]


@pytest.mark.parametrize("text", REGRESSIONS)
def test_known_desyncs_stay_fixed(server, text):
    doc = Doc(server, f"file:///tmp/fuzz/regression{time.monotonic_ns()}.py", text)
    try:
        doc.check()
        end = end_position(doc.text)
        doc.change([insert_at(end.line, end.character, "\n😀é\x0c")])
        doc.change([lsp.TextDocumentContentChangePartial(
            range=lsp.Range(lsp.Position(0, 1), lsp.Position(1, 0)), text="\r")])  # joins across the break
        doc.check()
    finally:
        doc.close()
