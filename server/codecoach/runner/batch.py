"""Examples for a batch of files, as `codecoach analyze` needs them.

A test file given beside the file it tests (`test_search.py` next to
`search.py`) is not run a second time: it gets the findings that the run of
`search.py` put on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..analysis.findings import Finding
from .engine import ExampleRunner
from .report import ExampleReport


def _tested_by(path: Path) -> list[Path]:
    """The files `path` would be the sibling test file of."""
    stem = path.stem
    found = []
    if stem.startswith("test_"):
        found.append(path.with_name(stem[len("test_"):] + ".py"))
    if stem.endswith("_test"):
        found.append(path.with_name(stem[: -len("_test")] + ".py"))
    return found


def run_batch(files: Sequence[tuple[Path, str]], *, settings: Any = None,
              on_error: Callable[[str], None] | None = None) -> dict[Path, tuple[list[Finding], ExampleReport | None]]:
    """For each file: its example findings (including those other files' runs put on it) and its report."""
    listed = {path.resolve(): path for path, _ in files}
    results: dict[Path, tuple[list[Finding], ExampleReport | None]] = {path: ([], None) for path, _ in files}
    texts = {path.resolve(): text for path, text in files}
    with ExampleRunner() as runner:
        for path, text in files:
            if any(main.resolve() in listed for main in _tested_by(path)):
                continue  # its tests run with the file they test
            open_texts = {str(p): t for p, t in texts.items() if p != path.resolve()}
            report = runner.run(path.resolve(), text, settings=settings, open_texts=open_texts)
            if report.status == "failed" and on_error is not None:
                on_error(f"codecoach: {path}: examples could not run ({report.message})")
            findings, _ = results[path]
            findings.extend(report.findings)
            results[path] = (findings, report)
            for other, found in report.elsewhere.items():
                original = listed.get(Path(other).resolve())
                if original is not None:
                    results[original][0].extend(found)
    for path, (findings, _) in results.items():
        findings.sort(key=lambda f: (f.span.start.line, f.severity, f.rule_id))
    return results
