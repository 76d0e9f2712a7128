"""`codecoach summary|insights|recommend` and `analyze --remember`, as a learner or a script runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codecoach.memory import Memory

from .seed import TODAY, NoIndex, finding, seed_month

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LINES = [f"line {i}" for i in range(40)]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CODECOACH_"))}
    env["CODECOACH_DATA_DIR"] = str(data_dir)
    env["HOME"] = str(data_dir.parent / "home")
    return subprocess.run([sys.executable, "-m", "codecoach", *args], capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """A month ending TODAY, plus a few mistakes an hour ago (for the commands that look back from now)."""
    data = tmp_path_factory.mktemp("cli") / "data"
    memory = Memory.open(data, embedder=NoIndex(), consolidate_every=None)
    seed_month(memory)
    now = time.time()
    memory.record_concepts("/learner/shopping_list.py", {"lists": 2, "loops": 1}, at=now - 3700)
    for n in range(3):
        memory.record_shown("/learner/shopping_list.py", [finding("CC303", n)], LINES, at=now - 3600 + n)
        memory.forget_file_state("/learner/shopping_list.py")
    assert memory.flush(30, index=False)
    memory.close()
    return data


def test_summary_text_and_json_for_a_range(seeded):
    args = ["summary", "--from", "2026-03-10", "--to", TODAY.isoformat()]
    text = run(seeded, *args)
    assert text.returncode == 0, text.stderr
    out = text.stdout
    assert out.startswith("Learning summary, range (2026-03-10 to 2026-03-16)")
    assert "Activity per day" in out and "Mon 16 Mar" in out and "█" in out
    assert "Concepts" in out and "Top struggles" in out and "3-day streak" in out
    data = json.loads(run(seeded, *args, "--json").stdout)
    assert data["period"] == "range" and len(data["days"]) == 7
    assert data["totals"]["findings"] == sum(d["findings"] for d in data["days"])


def test_insights_and_recommend(seeded):
    text = run(seeded, "insights")
    assert text.returncode == 0, text.stderr
    assert "/learner/shopping_list.py" in text.stdout and "CC303" in text.stdout
    assert "Topic difficulty" in text.stdout
    data = json.loads(run(seeded, "insights", "--json").stdout)
    assert data["files"][0]["file"] == "/learner/shopping_list.py"

    rec = run(seeded, "recommend", "--concept", "Lists")
    assert rec.returncode == 0, rec.stderr
    assert rec.stdout.startswith("Recommendations for Lists")
    assert "You hit CC303 3 times today in shopping_list.py" in rec.stdout
    items = json.loads(run(seeded, "recommend", "--json", "--limit", "3").stdout)["items"]
    assert 0 < len(items) <= 3 and items[0]["rule"] == "CC303"


@pytest.mark.parametrize("args, message", [
    (["summary", "--from", "2026-03-10", "--to", "2026-03-01"], "starts (2026-03-10) after it ends"),
    (["summary", "--to", "2026-03-01"], "--to needs --from"),
    (["summary", "--from", "yesterday"], "is not a date"),
    (["summary", "--period", "month"], "invalid choice"),
    (["recommend", "--concept", "loop"], "did you mean loops"),
    (["insights", "--days", "0"], "must be 1 or more"),
])
def test_bad_arguments_exit_2_with_a_message(tmp_path, args, message):
    result = run(tmp_path / "data", *args)
    assert result.returncode == 2 and message in result.stderr
    assert result.stdout == ""


def test_analyze_remember_then_summary_of_that_session(tmp_path):
    data = tmp_path / "data"
    analyzed = json.loads(run(data, "analyze", "--json", str(EXAMPLES)).stdout)
    expected = sum(len(f["findings"]) for f in analyzed["files"])
    result = run(data, "analyze", "--remember", str(EXAMPLES))
    assert result.returncode == 0, result.stderr
    assert f"Remembered {expected} finding(s) from {len(analyzed['files'])} file(s)" in result.stderr
    summary = json.loads(run(data, "summary", "--period", "day", "--json").stdout)
    assert summary["totals"]["findings"] == expected
    assert summary["totals"]["files"] == len(analyzed["files"]) and summary["totals"]["sessions"] == 1
    assert summary["narrative"].startswith("Today you coded for 1 minute in 1 session across 4 files")
    insights = json.loads(run(data, "insights", "--json").stdout)
    assert {Path(f["file"]).name for f in insights["files"]} == {Path(f["path"]).name for f in analyzed["files"]}


def test_analyze_remember_twice_on_unchanged_files_changes_nothing(tmp_path):
    data = tmp_path / "data"
    first = run(data, "analyze", "--remember", str(EXAMPLES))
    assert first.returncode == 0, first.stderr
    before = json.loads(run(data, "summary", "--period", "day", "--json").stdout)
    assert before["totals"]["findings"] > 0 and before["totals"]["sessions"] == 1
    second = run(data, "analyze", "--remember", str(EXAMPLES))
    assert second.returncode == 0, second.stderr
    assert "Remembered 0 finding(s)" in second.stderr
    assert f"({before['totals']['findings']} already remembered, unchanged)" in second.stderr
    after = json.loads(run(data, "summary", "--period", "day", "--json").stdout)
    assert after == before  # every count, the activity per day and the narrative


def test_counts_of_one_read_in_the_singular():
    """"1 mistakes / 1 uses" read wrong; the text renderings say "1 mistake / 1 use"."""
    from codecoach.services.text import render_insights, render_summary

    insights_text = render_insights({"files": [], "workspace": {"topicDifficulty": [
        {"label": "Strings", "difficulty": 4, "struggles": 1, "uses": 1},
        {"label": "Loops", "difficulty": 5, "struggles": 2, "uses": 3}]}})
    assert "1 mistake / 1 use" in insights_text and "2 mistakes / 3 uses" in insights_text
    assert "1 mistakes" not in insights_text and "1 uses" not in insights_text
    summary_text = render_summary({"period": "week", "from": "2026-03-01", "to": "2026-03-02", "days": [
        {"date": "2026-03-01", "activeMinutes": 3, "findings": 1, "fixes": 0},
        {"date": "2026-03-02", "activeMinutes": 5, "findings": 2, "fixes": 1}]})
    assert " 1 mistake " in summary_text and "2 mistakes" in summary_text and "1 mistakes" not in summary_text
