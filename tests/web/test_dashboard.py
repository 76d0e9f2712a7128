"""The dashboard in a real Chromium (Debian's, driven by playwright-core from the root node_modules).

A real server with a seeded memory; tests/web/dashboard.mjs loads the page with the token,
checks that the charts are painted, streams a change from another tab and waits for the
dashboard to follow it, turns the system dark, and saves screenshots in test-artifacts/web/.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

from .conftest import change, receive, start_server, stream

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("dashboard.mjs")
ARTIFACTS = REPO / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"


def _tools_message() -> str:
    return ("the dashboard test needs Node, playwright-core (npm ci: `make ext-deps`) and Debian's chromium "
            f"at {CHROMIUM} (`make ext-deps` installs it)")


async def seed(server) -> None:
    """A short session on the bundled examples, remembered (the pause is one second here)."""
    async with stream(server) as ws:
        await ws.send(json.dumps({"type": "subscribe"}))
        files = sorted((REPO / "examples").glob("*.py"))
        for file in files:
            await ws.send(change(file.name, 1, file.read_text(encoding="utf-8")))
        remembered = set()
        while len(remembered) < len(files):
            remembered.add((await receive(ws, "remembered", timeout=30))["path"])


def test_the_dashboard_draws_its_charts_and_follows_the_learner(tmp_path):
    assert shutil.which("node") and (REPO / "node_modules" / "playwright-core").is_dir() \
        and Path(CHROMIUM).exists(), _tools_message()
    server = start_server(tmp_path / "web")
    try:
        asyncio.run(seed(server))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        run = subprocess.run(["node", str(SCRIPT), "check", server.base, server.token, str(ARTIFACTS)],
                             capture_output=True, text=True, timeout=180, cwd=REPO)
        assert run.returncode == 0, run.stderr[-3000:]
        seen = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        assert server.stop() == 0, server.log()

    assert seen["url"] == server.base + "/"  # the token left the address bar for a cookie
    assert seen["consoleErrors"] == [] and seen["violations"] == [] and seen["foreign"] == [], seen
    for when in ("paintedBefore", "paintedAfter", "paintedDark"):
        for chart, inked in seen[when].items():
            assert inked > 2000, (when, chart, inked)  # drawn, not an empty canvas
    assert seen["filesBefore"] == "4" and seen["filesAfter"] == "5"  # the streamed file counts once remembered
    assert "4 files" in seen["todayBefore"] and "5 files" in seen["todayAfter"]
    assert "streamed_now.py" in seen["liveText"] and "CC102" in seen["liveText"] and "CC104" in seen["liveText"]
    assert "'<b>yes</b>'" in seen["liveText"] and seen["markupInjected"] == 0  # learner text stays text
    assert "streamed_now.py" in seen["mistakesText"]
    assert seen["light"] != seen["dark"] and seen["dark"] in ("rgb(22, 24, 28)",), seen["dark"]
    assert seen["rulesTitle"] == "Code Coach rules"
    for name in ("dashboard-light.png", "dashboard-live-light.png", "dashboard-dark.png", "rules-dark.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name
