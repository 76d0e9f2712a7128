"""Function-level chunks, normalized hashes, and what gets picked for a request."""

from __future__ import annotations

from codecoach.analysis.findings import Explanation, Finding, Severity, Source, Span
from codecoach.providers.chunks import normalized_hash, select, split_chunks

from .conftest import THREE_FUNCTIONS


def test_functions_methods_and_top_level_code_become_chunks() -> None:
    text = "import os\n\nX = 1\nfor i in range(3):\n    print(i)\n\n@cache\ndef f(a):\n    return a\n\n" \
           "class Stack:\n    size = 0\n    def push(self, x):\n        self.items.append(x)\n"
    chunks = split_chunks(text)
    assert [(c.name, c.first, c.last) for c in chunks] == [
        ("top-level code", 0, 4), ("function f", 6, 8), ("method Stack.push", 12, 13),
    ]
    f = chunks[1]
    assert f.code.startswith("@cache") and (f.context_first, f.context_last) == (4, 10)


def test_imports_alone_are_not_worth_a_chunk() -> None:
    assert [c.name for c in split_chunks("import os\nimport sys\n\ndef g():\n    pass\n")] == ["function g"]


def test_code_that_does_not_parse_is_cut_at_def_lines() -> None:
    chunks = split_chunks("x = 1\ndef broken(:\n    pass\ndef ok():\n    return 2\n")
    assert [(c.name, c.first, c.last) for c in chunks] == [
        ("top-level code", 0, 0), ("function broken", 1, 2), ("function ok", 3, 4),
    ]


def test_comments_blank_lines_and_spacing_do_not_change_the_hash() -> None:
    base = "def f(a, b):\n    return a+b\n"
    assert normalized_hash(base) == normalized_hash("def f(a,b):  # add\n\n    # sum\n    return a + b\n")
    assert normalized_hash(base) != normalized_hash("def f(a, b):\n    return a-b\n")
    # Mid-edit text that does not tokenize still hashes, and comments still do not count.
    assert normalized_hash("def f(:\n    x = '''\n") == normalized_hash("def f(:   # typing\n    x = '''\n")


def _finding(line: int, source: Source = Source.RULES) -> Finding:
    return Finding("CC101", Span.of(line, 0, line, 5), Severity.WARNING, "m", Explanation("w", "i", "h", "u"),
                   (), source)


def test_only_unknown_chunks_are_picked_and_struggles_come_first() -> None:
    chunks = split_chunks(THREE_FUNCTIONS)
    known = {chunks[0].digest}
    batch, later = select(chunks, lambda c: c.digest in known, [_finding(12, Source.BEHAVIOUR)], max_chunks=1)
    assert [c.name for c in batch] == ["function count_down"]
    assert [c.name for c in later] == ["function area"]
    batch, later = select(chunks, lambda c: False, [], max_chunks=4)
    assert [c.name for c in batch] == ["function first", "function area", "function count_down"] and not later


def test_the_character_budget_caps_a_batch_and_giant_chunks_are_never_sent() -> None:
    big = "def big():\n" + "".join(f"    x{i} = {i}\n" for i in range(2000))
    chunks = split_chunks(THREE_FUNCTIONS + "\n\n" + big)
    batch, later = select(chunks, lambda c: False, [], max_chars=1000)
    assert "function big" not in [c.name for c in batch + later]
    assert len(batch) == 3
