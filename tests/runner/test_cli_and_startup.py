"""`codecoach analyze` shows the examples' findings; the server's start-up never imports the runner."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import write


def analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codecoach", "analyze", *args], capture_output=True, text=True,
                          timeout=120)


def test_analyze_json_shows_example_findings_like_other_findings(tmp_path):
    path = write(tmp_path, "average.py", '''
        def average(values):
            return sum(values) / len(values)

        assert average([1, 2, 3]) == 2
        assert average([]) == 0
    ''')
    result = analyze("--json", str(path))
    assert result.returncode == 0, result.stderr
    [entry] = json.loads(result.stdout)["files"]
    examples = [f for f in entry["findings"] if f["source"] == "examples"]
    assert [(f["rule"], f["line"], f["message"]) for f in examples] == [
        ("CC807", 2, "ZeroDivisionError: `sum(values) / len(values)` with len(values) = 0"),
    ]
    assert entry["examples"]["counts"] == {"passed": 1, "error": 1}
    assert "codecoach-run-" not in result.stdout


def test_analyze_text_lists_them_and_no_run_skips_them(tmp_path):
    path = write(tmp_path, "hello.py", 'name = input("name? ")\nprint("hi", name)\n')
    shown = analyze(str(path))
    assert "CC815  this example needs keyboard input" in shown.stdout
    skipped = analyze("--no-run", "--json", str(path))
    [entry] = json.loads(skipped.stdout)["files"]
    assert entry["examples"] is None and all(f["source"] != "examples" for f in entry["findings"])


def test_a_test_file_given_beside_its_file_runs_once_and_gets_its_findings(tmp_path):
    write(tmp_path, "double.py", "def double(n):\n    return n * 3\n")
    write(tmp_path, "test_double.py", "from double import double\n\ndef test_two():\n    assert double(2) == 4\n")
    result = analyze("--json", str(tmp_path))
    files = {entry["path"].rsplit("/", 1)[1]: entry for entry in json.loads(result.stdout)["files"]}
    on_test = [f for f in files["test_double.py"]["findings"] if f["source"] == "examples"]
    assert [(f["rule"], f["line"]) for f in on_test] == [("CC801", 4)]
    assert files["test_double.py"]["examples"] is None  # it ran as the test file of double.py
    assert files["double.py"]["examples"]["counts"] == {"failed": 1}


def test_start_up_path_does_not_import_the_runner_or_its_libraries():
    probe = (
        "import sys, codecoach.cli, codecoach.config, codecoach.coach, codecoach.analysis.document;"
        "print(','.join(m for m in ('codecoach.runner', 'coverage', 'executing', 'pure_eval', 'stack_data')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
