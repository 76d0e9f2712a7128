"""Every REST endpoint of a real `codecoach web`, over HTTP: the payloads, and bad parameters (422)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import date, timedelta

import httpx

from .conftest import change, isolated_env, receive, stream

LESSON = "def total(items):\n    if items is []:\n        return 0\n    return sum(items)\n"


def test_health_needs_no_token_and_says_nothing_private(server):
    answer = httpx.get(server.base + "/health")
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "version": answer.json()["version"]}


def test_insights_recommendations_and_summary_have_the_documented_shapes(server):
    insights = server.get("/insights")
    assert insights.status_code == 200
    assert set(insights.json()) == {"files", "workspace"}
    assert set(insights.json()["workspace"]) == {"keyMistakes", "topics", "topicDifficulty", "lastAnalysis",
                                                  "difficultyNote"}

    recommendations = server.get("/recommendations", params={"concept": "While loops", "limit": 2})
    assert recommendations.status_code == 200
    items = recommendations.json()["items"]
    assert 1 <= len(items) <= 2 and all(i["concept"] == "while-loops" and i["url"].startswith("https://")
                                        for i in items)

    day = server.get("/summary").json()
    assert day["period"] == "day" and day["from"] == day["to"] == date.today().isoformat()
    assert {"totals", "streak", "days", "concepts", "masterySeries", "topStruggles", "improved", "narrative",
            "generatedBy"} <= set(day)
    week = server.get("/summary", params={"period": "week"}).json()
    assert week["period"] == "week" and len(week["days"]) == 7
    start = (date.today() - timedelta(days=2)).isoformat()
    span = server.get("/summary", params={"from": start}).json()
    assert span["period"] == "range" and span["from"] == start and len(span["days"]) == 3


def test_bad_parameters_get_422_with_a_sentence(server):
    cases = {
        "/summary?period=month": "period: Input should be 'day' or 'week', not 'month'",
        "/summary?from=yesterday": "from:",
        "/summary?to=2026-01-02": "to needs from",
        "/summary?from=2026-03-05&to=2026-03-01": "the range starts (2026-03-05) after it ends (2026-03-01)",
        "/recommendations?limit=0": "limit: Input should be greater than or equal to 1, not '0'",
        "/recommendations?limit=many": "limit:",
        "/recommendations?concept=loopz": "unknown concept 'loopz' (did you mean loops?)",
    }
    for path, sentence in cases.items():
        answer = server.get(path)
        assert answer.status_code == 422, (path, answer.text)
        assert sentence in answer.json()["detail"], (path, answer.json())


def test_feedback_is_recorded_and_checked(server):
    ok = httpx.post(server.base + "/feedback", headers=server.auth,
                    json={"rule": "cc303", "helpful": False, "note": "I still do not get it", "path": "lesson.py"})
    assert ok.status_code == 200 and ok.json() == {"recorded": True}
    for body, sentence in (
        ({"rule": "CC303"}, "helpful: Field required"),
        ({"rule": "CC303", "helpful": "yes"}, "helpful: Input should be a valid boolean"),
        ({"rule": "<script>", "helpful": True}, "rule: String should match pattern"),
        ({"rule": "CC303", "helpful": True, "path": "../etc/passwd.py"}, "must not contain '..'"),
        ({"rule": "CC303", "helpful": True, "note": "x" * 501}, "note: String should have at most 500 characters"),
    ):
        answer = httpx.post(server.base + "/feedback", headers=server.auth, json=body)
        assert answer.status_code == 422 and sentence in answer.json()["detail"], (body, answer.text)
    not_json = httpx.post(server.base + "/feedback", headers={**server.auth, "content-type": "application/json"},
                          content=b"{not json")
    assert not_json.status_code == 422


def test_openapi_schema_and_its_page(server):
    schema = server.get("/openapi.json").json()
    assert {"/health", "/insights", "/recommendations", "/summary", "/feedback"} <= set(schema["paths"])
    page = server.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "GET /summary" in page.text and "POST /feedback" in page.text and "<script" not in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy and "'nonce-" in policy


def test_the_rules_page_has_an_anchor_per_rule(server):
    page = server.get("/rules")
    assert page.status_code == 200
    assert 'id="cc102"' in page.text and 'id="gemini-findings"' in page.text and "<script" not in page.text
    nonce = page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in page.text


async def test_what_is_streamed_is_remembered_and_the_summary_counts_it(fresh_server, tmp_path):
    """The same memory as from the editor: a mistake held through a pause is a struggle, then a fix."""
    async with stream(fresh_server) as ws:
        await ws.send(change("lesson.py", 1, LESSON))
        shown = await receive(ws, "analysis")
        assert [f["rule"] for f in shown["findings"]] == ["CC102"]
        await ws.send(json.dumps({"type": "subscribe"}))
        await receive(ws, "remembered", where=lambda m: m["path"] == "lesson.py")  # settleSeconds of quiet
        await ws.send(change("lesson.py", 2, LESSON.replace("items is []", "not items")))
        assert (await receive(ws, "analysis", where=lambda m: m["version"] == 2))["findings"] == []
        await receive(ws, "remembered", where=lambda m: m["path"] == "lesson.py")

    # The memory commits on its own thread; a summary waits for it a bounded time (Coach.FLUSH_SECONDS),
    # which a loaded machine can outlast: ask again until the fix is in, never counting anything twice.
    deadline = time.monotonic() + 30
    while True:
        summary = fresh_server.get("/summary").json()
        assert summary["totals"]["findings"] == 1 and summary["totals"]["files"] == 1, summary["totals"]
        if summary["totals"]["fixes"] == 1 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert summary["totals"]["fixes"] == 1
    assert summary["topStruggles"][0]["rule"] == "CC102"
    insights = fresh_server.get("/insights").json()
    assert [f["file"] for f in insights["files"]] == ["lesson.py"]
    week = fresh_server.get("/summary", params={"period": "week"}).json()

    # The payload is the one the other front ends get from the same memory: the CLI's, once stopped.
    assert fresh_server.stop() == 0
    cli = subprocess.run([sys.executable, "-m", "codecoach", "summary", "--period", "week", "--json"],
                         env=isolated_env(fresh_server.data_dir), capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == week
