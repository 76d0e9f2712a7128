"""Which examples a file has, found by reading it (nothing is executed here).

For a file ``<stem>.py`` and its current text (not necessarily saved):

- doctests in the docstrings of the module, its functions, classes and methods;
- ``assert`` statements at module level (not inside functions or classes);
- ``test_*`` functions and ``unittest.TestCase`` classes in the file;
- the same in a sibling test file ``test_<stem>.py`` or ``<stem>_test.py``;
- input/output examples: ``<stem>.in`` with ``<stem>.out``, or ``N.in`` with
  ``N.out`` in a folder ``<stem>_examples/``.

How the file is run follows from what it has (``Plan.mode``):

- I/O examples: the program runs as ``__main__`` once per ``.in`` file;
- doctests, test functions or a test file: the module is imported under its own
  name (its top-level code runs, an ``if __name__ == "__main__":`` block does not,
  as under pytest) and the examples run against it;
- otherwise it is a script: it runs once as ``__main__`` with empty stdin, and its
  module-level asserts, if any, are its examples.

Standard library only, cheap (one parse of each file): the server calls it.
"""

from __future__ import annotations

import ast
import doctest
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .protocol import (
    ASSERT,
    DOCTEST,
    IO,
    MODE_IMPORT,
    MODE_IO,
    MODE_SCRIPT,
    TEST,
    UNITTEST,
)

# The learner's folder is copied so that `open("data.txt")` and `import helpers`
# work as they do at home; these bounds keep a run cheap in a crowded folder.
COPY_MAX_FILES = 100
COPY_MAX_FILE_BYTES = 1_000_000
COPY_MAX_TOTAL_BYTES = 8_000_000
IO_MAX_BYTES = 1_000_000
MAX_EXAMPLES = 500


@dataclass(frozen=True)
class Example:
    """One thing to run, and where it lives (0-based line, -1 when it has no line)."""

    id: str
    kind: str
    name: str
    file: str
    line: int
    spec: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class CopiedFile:
    """A file of the throwaway copy: its name there, and its text or where to read it."""

    name: str
    text: str | None = None
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "text": self.text, "source": self.source}


@dataclass(frozen=True)
class Plan:
    path: str
    mode: str | None  # None: nothing can run (the file does not parse)
    module: str  # the name the learner's module is imported or run under
    examples: tuple[Example, ...]
    files: tuple[CopiedFile, ...]
    test_files: tuple[str, ...] = ()  # original paths of sibling test files that hold examples
    problems: tuple[str, ...] = ()  # e.g. a test file that does not parse

    @property
    def runnable(self) -> bool:
        return self.mode is not None

    def example(self, example_id: str) -> Example | None:
        for example in self.examples:
            if example.id == example_id:
                return example
        return None


def discover(path: str | os.PathLike[str], text: str, open_texts: Mapping[str, str] | None = None) -> Plan:
    """The examples of `path` whose current text is `text`.

    `open_texts` maps other paths to their unsaved editor text (a test file open
    beside the exercise): it wins over what is on disk.
    """
    main = Path(path)
    open_texts = {str(Path(p)): t for p, t in (open_texts or {}).items()}
    stem = main.stem
    module = stem if stem.isidentifier() else "learner_module"
    try:
        tree = ast.parse(text, filename=str(main))
    except (SyntaxError, ValueError):
        return Plan(str(main), None, module, (), ())

    examples: list[Example] = []
    examples += _doctests(tree, str(main))
    module_asserts = _module_asserts(tree, str(main))
    own_tests = _tests(tree, str(main), module)
    examples += own_tests

    problems: list[str] = []
    test_files: list[str] = []
    sibling_texts: dict[str, str] = {}
    for candidate in sibling_tests(main):
        sibling_text = _read_text(candidate, open_texts)
        if sibling_text is None:
            continue
        try:
            sibling_tree = ast.parse(sibling_text, filename=str(candidate))
        except (SyntaxError, ValueError) as error:
            line = getattr(error, "lineno", None)
            problems.append(f"{candidate.name} does not parse (line {line}), so its tests cannot run")
            continue
        found = _tests(sibling_tree, str(candidate), candidate.stem)
        if found:
            examples += found
            test_files.append(str(candidate))
            sibling_texts[candidate.name] = sibling_text

    io_examples = _io_examples(main)
    if io_examples:
        mode = MODE_IO
        examples = io_examples
    elif examples:
        mode = MODE_IMPORT
        examples = module_asserts + examples
    else:
        mode = MODE_SCRIPT
        examples = module_asserts

    files = [CopiedFile(main.name, text=text)]
    files += [CopiedFile(name, text=t) for name, t in sibling_texts.items()]
    files += _folder_copies(main, skip={main.name, *sibling_texts}, open_texts=open_texts)
    return Plan(
        str(main), mode, module, tuple(examples[:MAX_EXAMPLES]), tuple(files), tuple(test_files), tuple(problems)
    )


# --------------------------------------------------------------------------- doctests


def _doctests(tree: ast.Module, file: str) -> list[Example]:
    parser = doctest.DocTestParser()
    found: list[Example] = []
    for owner, node in _documented(tree):
        body = getattr(node, "body", None)
        if not body or not isinstance(body[0], ast.Expr):
            continue
        constant = body[0].value
        if not (isinstance(constant, ast.Constant) and isinstance(constant.value, str)):
            continue
        docstring = constant.value
        if ">>>" not in docstring:
            continue
        try:
            parsed = parser.get_examples(docstring)
        except ValueError:  # a malformed example (e.g. no space after >>>): doctest itself refuses it
            continue
        for index, ex in enumerate(parsed):
            line = constant.lineno - 1 + ex.lineno
            found.append(
                Example(
                    id=f"doctest:{line + 1}",
                    kind=DOCTEST,
                    name=f"{owner} (doctest line {line + 1})",
                    file=file,
                    line=line,
                    spec={"owner": owner, "docstring": docstring, "first_line": constant.lineno, "index": index},
                )
            )
    return found


def _documented(tree: ast.Module):
    yield "the module", tree
    stack: list[tuple[str, ast.AST]] = [("", tree)]
    while stack:
        prefix, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                yield name, child
                stack.append((name + ".", child))


# --------------------------------------------------------------------------- asserts and tests


def module_level_statements(tree: ast.Module):
    """Statements that run at import time: the module body and blocks nested in it, not def/class bodies."""
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                stack.extend(reversed([c for c in children if isinstance(c, ast.AST)]))


def _module_asserts(tree: ast.Module, file: str) -> list[Example]:
    found = []
    for node in module_level_statements(tree):
        if isinstance(node, ast.Assert):
            found.append(
                Example(
                    id=f"assert:{Path(file).name}:{node.lineno}",
                    kind=ASSERT,
                    name=f"assert on line {node.lineno}",
                    file=file,
                    line=node.lineno - 1,
                )
            )
    return found


def _tests(tree: ast.Module, file: str, module: str) -> list[Example]:
    found = []
    name_of_file = Path(file).name
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            found.append(
                Example(
                    id=f"test:{name_of_file}::{node.name}",
                    kind=TEST,
                    name=node.name,
                    file=file,
                    line=node.lineno - 1,
                    spec={"module": module, "function": node.name, "file": name_of_file},
                )
            )
        elif isinstance(node, ast.ClassDef) and any(_is_testcase_base(b) for b in node.bases):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                    found.append(
                        Example(
                            id=f"unittest:{name_of_file}::{node.name}.{item.name}",
                            kind=UNITTEST,
                            name=f"{node.name}.{item.name}",
                            file=file,
                            line=item.lineno - 1,
                            spec={"module": module, "class": node.name, "method": item.name, "file": name_of_file},
                        )
                    )
    return found


def _is_testcase_base(base: ast.expr) -> bool:
    name = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""
    return name.endswith("TestCase")


def _is_test_file(path: Path) -> bool:
    return path.stem.startswith("test_") or path.stem.endswith("_test")


def sibling_tests(main: str | os.PathLike[str]) -> list[Path]:
    """Where the test files of `main` would be (`test_<stem>.py`, `<stem>_test.py`); none for a test file."""
    path = Path(main)
    if _is_test_file(path):
        return []
    return [path.with_name(f"test_{path.stem}.py"), path.with_name(f"{path.stem}_test.py")]


def tested_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files `path` would be the sibling test file of (`test_search.py` -> `search.py`)."""
    path = Path(path)
    stem = path.stem
    found = []
    if stem.startswith("test_") and len(stem) > len("test_"):
        found.append(path.with_name(stem[len("test_"):] + ".py"))
    if stem.endswith("_test") and len(stem) > len("_test"):
        found.append(path.with_name(stem[: -len("_test")] + ".py"))
    return found


# --------------------------------------------------------------------------- input/output examples

_NUMBER = re.compile(r"(\d+)")


def _natural(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in _NUMBER.split(name)]


def _io_examples(main: Path) -> list[Example]:
    pairs: list[tuple[Path, Path]] = []
    single_in, single_out = main.with_suffix(".in"), main.with_suffix(".out")
    if single_in.is_file() and single_out.is_file():
        pairs.append((single_in, single_out))
    folder = main.with_name(f"{main.stem}_examples")
    if folder.is_dir():
        try:
            inputs = sorted((p for p in folder.iterdir() if p.suffix == ".in"), key=lambda p: _natural(p.name))
        except OSError:
            inputs = []
        for stdin in inputs:
            expected = stdin.with_suffix(".out")
            if expected.is_file():
                pairs.append((stdin, expected))
    found = []
    for stdin, expected in pairs[:MAX_EXAMPLES]:
        stdin_text, expected_text = _read_capped(stdin), _read_capped(expected)
        if stdin_text is None or expected_text is None:
            continue
        label = stdin.name if stdin.parent == main.parent else f"{stdin.parent.name}/{stdin.name}"
        found.append(
            Example(
                id=f"io:{label}",
                kind=IO,
                name=label,
                file=str(main),
                line=-1,
                spec={"stdin": stdin_text, "expected": expected_text, "label": label},
            )
        )
    return found


def _read_capped(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(IO_MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > IO_MAX_BYTES:
        return None
    return data.decode("utf-8", "replace")


# --------------------------------------------------------------------------- the folder copy


def _read_text(path: Path, open_texts: Mapping[str, str]) -> str | None:
    if str(path) in open_texts:
        return open_texts[str(path)]
    try:
        if path.stat().st_size > COPY_MAX_FILE_BYTES:
            return None
        return path.read_bytes().decode("utf-8-sig", "replace")
    except OSError:
        return None


def _folder_copies(main: Path, skip: set[str], open_texts: Mapping[str, str]) -> list[CopiedFile]:
    """Small regular files beside the learner's file (data files, their own modules)."""
    folder = main.parent
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    copies: list[CopiedFile] = []
    total = 0
    for entry in entries:
        if len(copies) >= COPY_MAX_FILES:
            break
        if entry.name in skip or entry.name.startswith("."):
            continue
        full = str(folder / entry.name)
        if full in open_texts:
            copies.append(CopiedFile(entry.name, text=open_texts[full]))
            continue
        try:
            if not entry.is_file():
                continue
            size = entry.stat().st_size
        except OSError:
            continue
        if size > COPY_MAX_FILE_BYTES or total + size > COPY_MAX_TOTAL_BYTES:
            continue
        total += size
        copies.append(CopiedFile(entry.name, source=full))
    return copies
