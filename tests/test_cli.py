"""`codecoach analyze` as a learner or a script would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codecoach", *args], capture_output=True, text=True, timeout=60)


def test_analyze_prints_findings_concepts_and_a_summary():
    result = run("analyze", str(EXAMPLES))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "grades.py" in out and "CC102" in out
    assert "concepts:" in out and "Summary: " in out and "most frequent mistakes" in out


def test_analyze_json_is_machine_readable(tmp_path):
    source = tmp_path / "mistake.py"
    source.write_text("if name is 'bob':\n    pass\n", encoding="utf-8")
    result = run("analyze", "--json", str(source))
    assert result.returncode == 0
    data = json.loads(result.stdout)
    [file] = data["files"]
    assert file["parsed"] is True
    rules = [f["rule"] for f in file["findings"]]
    assert "CC102" in rules
    finding = file["findings"][rules.index("CC102")]
    assert (finding["line"], finding["column"]) == (1, 4)
    assert finding["why"] and finding["hint"] and finding["docs"].startswith("https://")
    assert file["concepts"]["conditionals"] == 1


def test_missing_path_is_a_usage_error():
    result = run("analyze", "/no/such/file.py")
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_non_utf8_and_binary_files_get_a_clear_message_and_the_rest_is_analyzed(tmp_path):
    (tmp_path / "latin1.py").write_bytes("name = 'Jos\xe9'\n".encode("latin-1"))
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02")
    (tmp_path / "ok.py").write_text("x = 1\nif x is 1:\n    pass\n", encoding="utf-8")
    result = run("analyze", "--json", str(tmp_path))
    assert result.returncode == 2
    assert "is not UTF-8 text" in result.stderr and "binary" in result.stderr
    data = json.loads(result.stdout)
    assert [Path(f["path"]).name for f in data["files"]] == ["ok.py"]


def test_no_command_shows_help_and_fails():
    result = run()
    assert result.returncode == 2 and "analyze" in result.stderr
