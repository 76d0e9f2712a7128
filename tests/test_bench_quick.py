"""The speed/memory benchmarks keep working (bench/run.py --quick).

Runs the whole benchmark at smoke-test size as a subprocess and checks that
every section is there, filled with numbers, and that the rest of the results
file survives. No timing is asserted: the figures belong to bench/RESULTS.md,
not to a test on a shared 2-core machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "bench" / "run.py"
CORPORA = REPO.parent / "shared" / "corpora"
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _section(text: str, name: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    assert text.count(start) == 1 and text.count(end) == 1, f"section {name} missing or duplicated"
    return text.split(start, 1)[1].split(end, 1)[0]


def _row(section: str, label: str) -> list[str]:
    for line in section.splitlines():
        if line.startswith("| ") and label in line.split("|")[1]:
            return [c.strip() for c in line.strip().strip("|").split("|")]
    raise AssertionError(f"no row {label!r} in:\n{section[:2000]}")


def _has_number(cell: str) -> bool:
    return bool(NUMBER.search(cell.replace("*", ""))) and "–" != cell.strip()


def test_quick_benchmark_writes_every_section_with_numbers(tmp_path):
    output = tmp_path / "RESULTS.md"
    output.write_text("# Results\n\nintro kept\n\n<!-- other:start -->\nkeep me\n<!-- other:end -->\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-5000:])
    text = output.read_text(encoding="utf-8")
    assert "intro kept" in text and "keep me" in text

    summary = _section(text, "summary")
    assert "QUICK" in summary and "Machine:" in summary and "Command:" in summary and "--quick" in summary
    assert "FAILED" not in text

    replay = _section(text, "replay")
    for label in ("debounce 0, **p95**", "default settings, **p95**", "Hover, **p95**",
                  "CPU per 1000 keystrokes, default debounce", "Peak RSS (VmHWM), debounce 0"):
        row = _row(replay, label)
        assert _has_number(row[1]) and _has_number(row[3]), row  # Code Coach and the bare baseline
    published = _row(replay, "Code Coach, debounceMs default")
    assert _has_number(published[1]) and _has_number(published[2]), published

    analysis = _section(text, "analysis")
    row = _row(analysis, "`Analyzer.analyze` after an edit")
    assert all(_has_number(c) for c in row[1:4]), row
    assert _has_number(_row(analysis, "`DocumentSession.analyze` after an edit")[2])
    for step in ("parse (ast.parse)", "pyflakes names", "module facts", "rules + concepts walk"):
        assert _has_number(_row(analysis, step)[1]), step
    assert "Steps not found" not in analysis

    cold = _section(text, "coldstart")
    row = _row(cold, "Spawn → first diagnostics")
    assert _has_number(row[1]) and _has_number(row[2]) and row[3].strip("*").endswith("×"), row

    per = _section(text, "perfile")
    for tool in ("Code Coach (`codecoach analyze`)", "pyflakes", "ruff", "pylint", "Code Coach in process"):
        row = _row(per, tool)
        assert _has_number(row[1]), row

    economy = _section(text, "economy")
    assert "TODO" not in economy
    for label in ("Requests per hour of typing, **total**", "— analysis (review) requests per hour",
                  "— explanation requests per hour", "Highest requests in any 60 s",
                  "Unchanged chunk content sent twice", "Cache hit rate", "Share of settled changed functions",
                  "Budget refusals", "Prompt tokens per analysis request"):
        row = _row(economy, label)
        assert _has_number(row[1]), row
    assert "Gemini requests per hour of typing" in summary

    vectors = _section(text, "vectors")
    try:
        import chromadb  # noqa: F401
    except ImportError:
        assert "TODO" in vectors
    else:
        for deployment in ("embedded `PersistentClient`", "`chroma run` server"):
            row = _row(vectors, deployment)
            assert all(_has_number(c) for c in row[2:7]), row

    live = _section(text, "examples")
    assert _has_number(_row(live, "settle → findings, excluding the examples' own run time")[2])
    assert "Examples: settle → findings overhead" in summary

    redaction = _section(text, "redaction")
    row = _row(redaction, "dotted string, one line")
    assert _has_number(row[1]) and _has_number(row[3]), row
    assert _has_number(_row(redaction, "vendor")[1]) and _has_number(_row(redaction, "connection-string")[1])
    assert "Redaction of 64 KiB adversarial text" in summary

    web = _section(text, "web")
    for label in ("Round trip minus `Coach.analyze`", "Round trip (change sent"):
        assert all(_has_number(c) for c in _row(web, label)[1:4]), label
    for label in ("… p95", "Pauses whose analysis never came", "Server memory at the end"):
        assert _has_number(_row(web, label)[1]), label
    assert "Web: change → analysis message beyond the analysis" in summary
    assert _has_number(_row(web, "First contentful paint")[2])  # make test installs chromium and playwright-core
    if CORPORA.is_dir():
        assert _has_number(_row(live, "Fixed programs with any examples finding")[1])
        detect = _section(text, "detect")
        assert "## Detection" in detect and "Code Coach" in detect
