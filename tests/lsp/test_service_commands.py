"""Insights, recommendations and summaries over LSP, on a seeded event log."""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta

import pytest
from lsprotocol import types as lsp

from codecoach.memory import Memory
from services.seed import NoIndex, finding

from .conftest import FAST, config, initialize, isolated_env, vscode_capabilities

NOW = time.time()
TODAY = date.today()


def days_ago(n: int, hour: float = 10.0) -> float:
    day = TODAY - timedelta(days=n)
    return datetime(day.year, day.month, day.day).timestamp() + hour * 3600


@pytest.fixture
async def seeded():
    """A learner's last days: list mutation in a loop 3x (fixed once), an `is` slip, clean loops."""
    env = isolated_env()
    memory = Memory.open(env["CODECOACH_DATA_DIR"], embedder=NoIndex(), consolidate_every=None)
    lines = ["for item in items:\n", "    items.remove(item)\n", "if name is 'x':\n", "    pass\n"]
    for n, when in enumerate((days_ago(2), days_ago(1), days_ago(0, hour=0.5))):
        memory.record_shown(f"/ws/shop{n}.py", [finding("CC303", line=1)], lines, at=when)
    memory.record_fixed("/ws/shop0.py", [finding("CC303", line=1)], at=days_ago(2, hour=11))
    memory.record_shown("/ws/names.py", [finding("CC102", line=2)], lines, at=days_ago(1, hour=12))
    memory.record_concepts("/ws/clean.py", {"loops": 3, "functions": 1}, clean=True, at=days_ago(1, hour=13))
    assert memory.flush(30, index=False)
    memory.close(index=False)
    client = await config(env).start()
    await initialize(client, vscode_capabilities(), FAST)
    yield client
    await client.shutdown_session()
    await client.stop()


async def run(client, command: str, *arguments):
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


async def test_week_summary_matches_the_seeded_history_and_reports_progress(seeded):
    result = await run(seeded, "codecoach.showSummary", {"period": "week"})
    assert result["period"] == "week" and len(result["days"]) == 7
    assert result["to"] == TODAY.isoformat()
    assert result["totals"]["findings"] == 4 and result["totals"]["fixes"] == 1
    assert sum(day["findings"] for day in result["days"]) == 4
    assert result["topStruggles"][0]["rule"] == "CC303" and result["topStruggles"][0]["count"] == 3
    assert result["narrative"] and result["generatedBy"] == "template"
    assert {c["concept"] for c in result["concepts"]} >= {"lists", "loops"}
    # Work-done progress: begun and ended.
    kinds = [type(v).__name__ for reports in seeded.progress_reports.values() for v in reports]
    assert "WorkDoneProgressBegin" in kinds and "WorkDoneProgressEnd" in kinds


async def test_insights_and_recommendations_follow_the_struggles(seeded):
    insights = await run(seeded, "codecoach.showInsights")
    assert insights["workspace"]["keyMistakes"][0]["rule"] == "CC303"
    recommendations = await run(seeded, "codecoach.showRecommendations")
    assert recommendations["items"] and recommendations["items"][0]["concept"] == "lists"
    assert "CC303" in recommendations["items"][0]["why"]
    only_loops = await run(seeded, "codecoach.showRecommendations", {"concept": "loops"})
    assert only_loops["items"] and {i["concept"] for i in only_loops["items"]} == {"loops"}


async def test_bad_arguments_are_clear_errors(seeded):
    with pytest.raises(Exception, match="from must be a date"):
        await run(seeded, "codecoach.showSummary", {"period": "week", "from": "last tuesday"})
    with pytest.raises(Exception, match="at most one object"):
        await run(seeded, "codecoach.showInsights", "files", "please")
    assert (await run(seeded, "codecoach.showSummary"))["period"] == "day"


async def test_cancelling_the_progress_cancels_the_request_and_the_server_stays_up(seeded):
    """The Cancel button on the progress notification (window/workDoneProgress/cancel)."""
    before = set(seeded.progress_reports)
    pending = asyncio.ensure_future(run(seeded, "codecoach.showSummary", {"period": "week"}))
    for _ in range(500):
        begun = [t for t, reports in seeded.progress_reports.items() if t not in before and reports]
        if begun:
            break
        await asyncio.sleep(0.002)
    seeded.window_work_done_progress_cancel(lsp.WorkDoneProgressCancelParams(token=begun[0]))
    with pytest.raises(Exception, match="cancelled"):
        await asyncio.wait_for(pending, 10)
    assert (await run(seeded, "codecoach.showSummary", {"period": "day"}))["period"] == "day"
