"""The detection benchmark keeps working while the rules change under it.

The real run (bench/detect.py on ../shared/corpora) is slow and its numbers move
with every rule; here we only check that the script runs end to end, that every
tool gets a row, and that the numbers are well-formed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "bench" / "detect.py"
# Where the benchmarks read them: CODECOACH_CORPORA, else ../shared/corpora (bench/common.py).
CORPORA = Path(os.environ.get("CODECOACH_CORPORA") or REPO.parent / "shared" / "corpora")
TOOLS = ("Code Coach", "pyflakes", "ruff", "pylint")
PCT = re.compile(r"(\d+(?:\.\d+)?)% \((\d+)/(\d+)\)")


def _load_detect():
    spec = importlib.util.spec_from_file_location("bench_detect", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_detect"] = module
    spec.loader.exec_module(module)
    return module


def _table_rows(text: str, heading: str) -> list[list[str]]:
    """Cells of the data rows of the first table after `heading`."""
    after = text.split(heading, 1)[1]
    rows = []
    for line in after.splitlines()[1:]:
        if not line.strip():
            if rows:
                break
            continue
        if line.startswith("#"):
            break
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:]  # drop the header


def _check_rates(rows: list[list[str]]) -> None:
    for row in rows:
        if "not installed" in row[1]:
            assert all(c == "–" for c in row[2:6]), row
            continue
        for cell in row[1:5]:
            match = PCT.fullmatch(cell)
            assert match, f"not a rate: {cell!r} in {row}"
            pct, n, d = float(match[1]), int(match[2]), int(match[3])
            assert 0 <= n <= d and 0.0 <= pct <= 100.0, row
            assert abs(pct - 100 * n / d) < 0.06, row
        exact, near, caused = (int(PCT.fullmatch(c)[2]) for c in row[1:4])
        assert exact <= near and caused <= near, (
            f"hit on the line implies hit at +-1: {row}"
        )
        assert float(row[5]) >= 0


@pytest.mark.skipif(
    not CORPORA.is_dir(), reason=f"shared corpora not found at {CORPORA}"
)
def test_quick_run_on_shared_corpora(tmp_path):
    output = tmp_path / "RESULTS.md"
    output.write_text(
        "# Results\n\n## Other benchmark\n\nkeep me\n\n<!-- detect:start -->\nold\n<!-- detect:end -->\n\ntail\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(CORPORA), "--quick", "--output", str(output)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = output.read_text(encoding="utf-8")
    # The other sections survive; ours is replaced, once.
    assert "keep me" in text and text.rstrip().endswith("tail")
    assert (
        text.count("<!-- detect:start -->") == 1
        and text.count("<!-- detect:end -->") == 1
    )
    assert "\nold\n" not in text
    section = text.split("<!-- detect:start -->", 1)[1].split("<!-- detect:end -->", 1)[
        0
    ]
    assert "## Detection" in section and "QUICK" in section
    assert "Machine:" in section and "Command:" in section and "--quick" in section

    for heading in ("### Overall", "### quixbugs", "### condefects"):
        rows = _table_rows(section, heading)
        labels = " ".join(r[0] for r in rows)
        for tool in TOOLS:
            assert tool in labels, f"no {tool} row under {heading}"
        assert any(
            "errors + warnings only" in r[0]
            for r in rows
            if r[0].startswith("Code Coach")
        )
        _check_rates(rows)
        n_pairs = int(
            re.search(r"\((\d+) buggy/fixed pairs\)", section.split(heading, 1)[1])[1]
        )
        assert n_pairs == (20 if heading == "### Overall" else 10)

    speed = _table_rows(section, "### Speed and versions")
    assert {t for t in TOOLS if any(r[0].startswith(t) for r in speed)} == set(TOOLS)
    assert "### Code Coach per rule" in section
    # The same tables go to stdout.
    assert "### Overall" in proc.stdout


def _write_pair(
    root: Path, name: str, buggy: str, fixed: str, lines: list[int]
) -> None:
    d = root / name
    d.mkdir(parents=True)
    (d / "buggy.py").write_text(buggy, encoding="utf-8")
    (d / "fixed.py").write_text(fixed, encoding="utf-8")
    (d / "meta.json").write_text(
        json.dumps({"corpus": "tiny", "id": name, "buggy_lines": lines}),
        encoding="utf-8",
    )


def test_single_corpus_dir_syntax_errors_and_missing_tools(tmp_path, capsys):
    """A corpus folder given directly, a buggy program that does not parse, a tool 'not installed'."""
    detect = _load_detect()
    corpus = tmp_path / "tiny"
    _write_pair(
        corpus, "syntax", "def f(:\n    return 1\n", "def f():\n    return 1\n", [1]
    )
    _write_pair(
        corpus,
        "undefined",
        "def f(x):\n    return y + 1\n",
        "def f(x):\n    return x + 1\n",
        [2],
    )
    output = tmp_path / "out" / "RESULTS.md"

    assert (
        detect.main(
            [
                str(corpus),
                "--output",
                str(output),
                "--disable",
                "pylint",
                "--disable",
                "ruff",
            ]
        )
        == 0
    )

    text = output.read_text(encoding="utf-8")
    assert text.startswith("# ")  # created with a title
    rows = _table_rows(text, "### Overall")
    by_label = {r[0]: r for r in rows}
    assert any(
        "pylint" in label and "not installed" in r[1] for label, r in by_label.items()
    )
    assert any(
        "ruff" in label and "not installed" in r[1] for label, r in by_label.items()
    )
    _check_rates(rows)
    assert "1 buggy / 0 fixed programs do not parse" in text
    # Both bugs are visible to a checker that reads names and syntax, and both go away in the fix.
    flakes = next(r for label, r in by_label.items() if label.startswith("pyflakes"))
    assert flakes[3] == "100.0% (2/2)", flakes
    assert flakes[4] == "0.0% (0/2)", flakes


def test_caused_by_bug_matches_by_code_and_line_text():
    detect = _load_detect()
    prog = detect.Program(
        corpus="c",
        id="p",
        buggy_path=Path("b.py"),
        fixed_path=Path("f.py"),
        buggy_lines=(3,),
        buggy_text="import os\nx = 1\nprint(y)\nprint(z)\n",
        fixed_text="import os\n\n\nx = 1\nprint(x)\nprint(z)\n",  # lines shifted by two
    )
    buggy = [detect.Diag("U", 3), detect.Diag("U", 4), detect.Diag("I", 1)]
    fixed = [detect.Diag("U", 6), detect.Diag("I", 1)]
    # print(y) is gone in the fix; print(z) is still flagged there (shifted), so it is not caused by the bug.
    assert detect.caused_by_bug(prog, buggy, fixed) == [detect.Diag("U", 3)]


def test_a_diagnostic_that_survives_an_edit_of_the_buggy_line_is_not_caused_by_the_bug():
    detect = _load_detect()
    prog = detect.Program(
        corpus="c",
        id="p",
        buggy_path=Path("b.py"),
        fixed_path=Path("f.py"),
        buggy_lines=(3,),
        buggy_text="a = 1\nb = 2\nif a:\n   c = a + b\nprint(c)\n",
        fixed_text="# header\na = 1\nb = 2\nif a:\n   c = a - b\nprint(c)\n",
    )
    # A style warning on the edited line 4 (5 in the fix): its text changed, it is still there.
    style = detect.Diag("bad-indentation", 4)
    assert (
        detect.caused_by_bug(prog, [style], [detect.Diag("bad-indentation", 5)]) == []
    )
    # Gone from the fix: caused.
    assert detect.caused_by_bug(prog, [style], []) == [style]
