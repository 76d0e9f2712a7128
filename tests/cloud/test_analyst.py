"""CloudAnalyst end to end against the fake Gemini, with the real SDK in between."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import datetime

import pytest

from codecoach.analysis.engine import Analyzer
from codecoach.analysis.findings import Explanation, Finding, Severity, Source, Span
from codecoach.providers import merge_findings
from codecoach.providers.analyst import CloudAnalyst
from codecoach.providers.store import CloudStore
from fakegemini import FakeGemini, Reply

from .conftest import AVERAGE, CLOUD, THREE_FUNCTIONS, Clock, answer, point, review
from .secrets_corpus import SECRETS, program_with_secrets

# -- structured output becomes findings ------------------------------------------------


def test_a_review_becomes_gemini_findings_on_the_right_lines(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    fake.reply(answer(review(point(3))))
    findings = analyst.analyze("/w/avg.py", AVERAGE, [], ["used range(1, n) twice this week"])
    assert len(findings) == 1
    f = findings[0]
    assert f.source == Source.GEMINI and f.rule_id == "GEM-OFF-BY-ONE" and f.severity == Severity.WARNING
    assert (f.span.start.line, f.span.start.column) == (2, 4)  # 0-based line 3, after the indent
    assert f.span.end.column == len("    for i in range(1, len(xs)):")
    assert f.message == "Your loop skips the first element."
    assert "Which index" in f.explanation.hint and f.explanation.docs_url.startswith("https://docs.python.org/3/")
    assert "averaging numbers" in f.detail
    body = fake.requests[0].text
    assert "used range(1, n) twice this week" in body
    assert "3 |     for i in range(1, len(xs)):" in body


def test_line_ranges_are_clamped_to_the_chunk_and_odd_answers_are_tamed(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    wild = point(99, 120, kind="Totally New Kind", message="Line one\nline two " + "x" * 200)
    wild["hint"] = "Try this:\n```python\ndef average(xs):\n    return sum(xs) / len(xs)\n```"
    fake.reply(answer(review(wild)))
    (f,) = analyst.analyze("/w/avg.py", AVERAGE, [])
    assert f.rule_id == "GEM-OTHER" and f.severity == Severity.INFORMATION
    assert f.span.start.line == f.span.end.line == 4  # the chunk's last line
    assert "\n" not in f.message and len(f.message) <= 140
    assert "return sum(xs)" not in f.explanation.hint and "try writing it yourself" in f.explanation.hint


def test_cached_findings_follow_their_code_when_lines_move(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    fake.reply(answer(review(point(3))))
    analyst.analyze("/w/avg.py", AVERAGE, [])
    moved = "import statistics\n\n\n" + AVERAGE.replace("    total = 0\n", "    # running sum\n    total = 0\n")
    (f,) = analyst.analyze("/w/avg.py", moved, [])
    assert len(fake.requests) == 1  # same normalized content: no new request
    assert f.span.start.line == 6 and moved.splitlines()[6].strip().startswith("for i in range(1")


def test_duplicates_of_offline_findings_are_dropped_when_merged() -> None:
    def finding(line: int, source: Source, rule: str) -> Finding:
        return Finding(rule, Span.of(line, 0, line, 3), Severity.WARNING, "m", Explanation("w", "i", "h", "u"), (),
                       source)

    offline = [finding(2, Source.RULES, "CC301")]
    cloud = [finding(2, Source.GEMINI, "GEM-LOGIC"), finding(4, Source.GEMINI, "GEM-EDGE-CASE")]
    assert [f.rule_id for f in merge_findings(offline, cloud)] == ["CC301", "GEM-EDGE-CASE"]


def test_offline_findings_are_listed_so_the_model_does_not_repeat_them(fake: FakeGemini, make_analyst) -> None:
    offline = Analyzer().analyze(AVERAGE).findings + [
        Finding("CC999", Span.of(2, 4, 2, 10), Severity.WARNING, "A rule saw this loop", Explanation("", "", "", ""),
                (), Source.RULES)]
    make_analyst().analyze("/w/avg.py", AVERAGE, offline)
    assert "Already reported" in fake.requests[0].text and "line 3: A rule saw this loop" in fake.requests[0].text


# -- economy: budget, cache, chunk hashes, batching --------------------------------------------


def test_a_burst_of_edits_never_exceeds_the_budget(fake: FakeGemini, make_analyst, clock: Clock) -> None:
    analyst = make_analyst(replace(CLOUD, requestsPerMinute=3, requestsPerDay=5))
    for edit in range(12):
        analyst.analyze("/w/avg.py", AVERAGE.replace("total = 0", f"total = {edit}"), [])
        clock.advance(2)
    assert len(fake.generate_requests) == 3
    clock.advance(60)
    for edit in range(12, 24):
        analyst.analyze("/w/avg.py", AVERAGE.replace("total = 0", f"total = {edit}"), [])
        clock.advance(1)
    assert len(fake.generate_requests) == 5  # the day cap
    status = analyst.status()
    assert status["state"] == "quota" and status["callsLeftToday"] == 0


def test_unchanged_content_is_never_sent_twice(fake: FakeGemini, make_analyst, tmp_path) -> None:
    store_path = tmp_path / "shared.sqlite3"
    analyst = make_analyst(store=CloudStore(store_path))
    analyst.analyze("/w/three.py", THREE_FUNCTIONS, [])
    assert len(fake.requests) == 1
    analyst.analyze("/w/three.py", THREE_FUNCTIONS, [])
    analyst.analyze("/w/three.py", THREE_FUNCTIONS.replace("    return xs[1]", "    return xs[1]  # first?"), [])
    analyst.analyze("/w/copy.py", "\n\n" + THREE_FUNCTIONS, [])  # same functions in another file
    assert len(fake.requests) == 1
    restarted = make_analyst(store=CloudStore(store_path))
    restarted.analyze("/w/three.py", THREE_FUNCTIONS, [])
    assert len(fake.requests) == 1  # the cache is on disk


def test_only_changed_chunks_are_sent_and_several_go_in_one_request(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    analyst.analyze("/w/three.py", THREE_FUNCTIONS, [])
    first = fake.requests[0].text
    assert all(name in first for name in ("function first", "function area", "function count_down"))
    analyst.analyze("/w/three.py", THREE_FUNCTIONS.replace("r * 2", "r ** 2"), [])
    assert len(fake.requests) == 2
    second = fake.requests[1].text
    assert "function area" in second and "function first" not in second and "function count_down" not in second


def test_each_chunk_of_a_batch_gets_its_own_review(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    fake.reply(answer(
        review(point(5, kind="off-by-one", message="Index 1 is the second element."), chunk_id="c1"),
        review(chunk_id="c2"),
        review(point(13, 14, kind="infinite-loop", message="n never changes, so the loop never ends."),
               chunk_id="c3"),
    ))
    findings = analyst.analyze("/w/three.py", THREE_FUNCTIONS, [])
    assert [(f.rule_id, f.span.start.line) for f in findings] == [("GEM-OFF-BY-ONE", 4), ("GEM-INFINITE-LOOP", 12)]
    # Edit one function: the other reviews come from the cache, only `area` is asked again.
    findings = analyst.analyze("/w/three.py", THREE_FUNCTIONS.replace("r * 2", "r ** 2"), [])
    assert [f.rule_id for f in findings] == ["GEM-OFF-BY-ONE", "GEM-INFINITE-LOOP"]
    assert len(fake.requests) == 2


def test_token_usage_is_recorded(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    fake.reply(Reply.text('{"chunks": []}', usage={"promptTokenCount": 321, "candidatesTokenCount": 9,
                                                   "totalTokenCount": 330}))
    analyst.analyze("/w/avg.py", AVERAGE, [])
    assert analyst.store().usage_totals() == {"requests": 1, "input_tokens": 321, "output_tokens": 9,
                                              "total_tokens": 330}


# -- faults: nothing escapes, fallback to offline, no unbounded retries ---------------------------

FAULTS = {
    "429": lambda: Reply.rate_limited(retry_delay=7),
    "500": lambda: Reply.server_error(500),
    "503": lambda: Reply.server_error(503),
    "slow": lambda: Reply.slow(3),
    "malformed": Reply.malformed,
    "truncated": Reply.truncated,
    "not-json": Reply.not_json,
    "empty": Reply.empty,
    "safety": Reply.safety,
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_every_fault_falls_back_to_offline_without_retrying(fault: str, fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst(replace(CLOUD, timeoutSeconds=1))
    fake.reply(FAULTS[fault]())
    assert analyst.analyze("/w/avg.py", AVERAGE, []) == []
    assert len(fake.requests) == 1
    analyst.analyze("/w/avg.py", AVERAGE, [])  # the same text again right away
    assert len(fake.requests) == 1  # not retried: failed chunks wait, blocked ones are settled
    assert analyst.status()["state"] in ("gemini", "degraded", "quota")


def test_connection_refused_is_a_failure_not_a_crash(make_analyst) -> None:
    analyst = make_analyst(base_url=FakeGemini.refused_url())
    assert analyst.analyze("/w/avg.py", AVERAGE, []) == []
    status = analyst.status()
    # The Models API check found no server: said plainly, the errno stays in the log.
    assert status["state"] == "unreachable" and status["provider"] == "offline"
    assert "can't be reached" in status["message"] and "Errno" not in status["message"]


def test_a_stopped_server_mid_session(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    analyst.analyze("/w/avg.py", AVERAGE, [])
    fake.stop()
    assert analyst.analyze("/w/avg.py", AVERAGE.replace("0", "1"), []) == []
    assert analyst.status()["state"] == "degraded"


def test_a_429_honours_its_retry_delay(fake: FakeGemini, make_analyst, clock: Clock) -> None:
    analyst = make_analyst()
    fake.reply(Reply.rate_limited(retry_delay=30))
    analyst.analyze("/w/avg.py", AVERAGE, [])
    status = analyst.status()
    assert status["state"] == "quota" and "30 s" in status["message"]
    for n in range(5):
        clock.advance(5)
        analyst.analyze("/w/avg.py", AVERAGE.replace("total = 0", f"total = {n}"), [])
    assert len(fake.requests) == 1  # nothing during the 30 s
    clock.advance(10)
    analyst.analyze("/w/avg.py", AVERAGE.replace("total = 0", "total = 99"), [])
    assert len(fake.requests) == 2
    assert analyst.status()["state"] == "gemini"


def test_a_per_day_quota_error_stops_cloud_calls_until_the_reset(fake: FakeGemini, make_analyst, clock) -> None:
    analyst = make_analyst()
    fake.reply(Reply.rate_limited(retry_delay=20, per_day=True))
    analyst.analyze("/w/avg.py", AVERAGE, [])
    clock.advance(3600)
    analyst.analyze("/w/avg.py", AVERAGE.replace("0", "2"), [])
    assert len(fake.requests) == 1
    status = analyst.status()
    assert status["state"] == "quota" and status["callsLeftToday"] == 0 and "Daily" in status["message"]


def test_the_breaker_opens_after_k_failures_and_recovers_through_one_probe(fake: FakeGemini, make_analyst,
                                                                           clock: Clock) -> None:
    analyst = make_analyst()
    fake.reply(Reply.server_error(), Reply.server_error(), Reply.server_error())
    for n in range(3):
        analyst.analyze("/w/avg.py", AVERAGE.replace("total = 0", f"total = {n}"), [])
    assert len(fake.requests) == 3
    status = analyst.status()
    assert status["breaker"] == "open" and status["state"] == "degraded" and status["provider"] == "offline"
    for n in range(10):  # five minutes of edits: all skipped
        clock.advance(25)
        analyst.analyze("/w/avg.py", AVERAGE.replace("total = 0", f"total = {10 + n}"), [])
    assert len(fake.requests) == 3
    clock.advance(60)
    assert analyst.status()["breaker"] == "half-open"
    fake.reply(answer(review(point(3))))
    findings = analyst.analyze("/w/avg.py", AVERAGE, [])
    assert len(fake.requests) == 4 and len(findings) == 1  # the probe went through and succeeded
    assert analyst.status()["breaker"] == "closed" and analyst.status()["state"] == "gemini"


def test_a_failed_probe_reopens_the_breaker(fake: FakeGemini, make_analyst, clock: Clock) -> None:
    analyst = make_analyst(replace(CLOUD, breakerFailures=1))
    fake.reply(Reply.server_error(), Reply.server_error())
    analyst.analyze("/w/avg.py", AVERAGE, [])
    clock.advance(301)
    analyst.analyze("/w/avg.py", AVERAGE.replace("0", "5"), [])
    assert len(fake.requests) == 2 and analyst.status()["breaker"] == "open"
    clock.advance(100)
    analyst.analyze("/w/avg.py", AVERAGE.replace("0", "6"), [])
    assert len(fake.requests) == 2


# -- privacy --------------------------------------------------------------------


def test_secrets_never_reach_the_fake(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    program = program_with_secrets()
    offline = Analyzer().analyze(program).findings
    past = [f"last week you pasted {text}" for text, _ in list(SECRETS.values())[:5]]
    analyst.analyze("/w/client.py", program, offline, past)
    rule = Finding("CC101", Span.of(4, 4, 4, 10), Severity.WARNING, "check " + SECRETS["google"][0],
                   Explanation("w", "i", "h", "u"), (), Source.RULES)
    fake.reply(Reply.text("An explanation."))
    analyst.explain(rule, program, past_context=past)
    assert len(fake.generate_requests) == 2
    sent = fake.all_text()
    leaked = [name for name, (_, secret) in SECRETS.items() if secret in sent or secret.replace("/", "\\/") in sent]
    assert leaked == []
    assert "<REDACTED:" in sent and analyst.redactions > len(SECRETS)


@pytest.mark.parametrize("path", ["/w/.env", "/w/secrets.py", "/w/keys/server.pem", "file:///w/homework/a.py"])
def test_excluded_files_are_never_sent(path: str, fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst(replace(CLOUD, excludeGlobs=("**/homework/**",)))
    rule = Finding("CC101", Span.of(0, 0, 0, 3), Severity.WARNING, "m", Explanation("w", "i", "h", "u"), ())
    assert analyst.analyze(path, AVERAGE, []) == []
    assert analyst.explain(rule, AVERAGE, path=path) is None
    assert fake.requests == []


# -- consent: cloud off means no network at all ---------------------------------------------------


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list:
    attempts: list = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"network call with cloud off: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.mark.parametrize("settings,key", [(replace(CLOUD, cloudEnabled=False), "k"), (CLOUD, None)])
def test_cloud_off_or_no_key_makes_no_network_call(settings, key, fake: FakeGemini, make_analyst, no_sockets) -> None:
    analyst = make_analyst(settings, key=key)
    rule = Finding("CC101", Span.of(0, 0, 0, 3), Severity.WARNING, "m", Explanation("w", "i", "h", "u"), ())
    assert analyst.analyze("/w/avg.py", AVERAGE, [], ["past"]) == []
    assert analyst.explain(rule, AVERAGE) is None and analyst.cached_explanation(rule, AVERAGE) is None
    status = analyst.status()
    assert status["state"] == "offline" and status["callsLeftToday"] is None
    assert ("cloud analysis is off" if key else "no GOOGLE_API_KEY") in status["message"]
    assert not analyst.enabled
    assert no_sockets == [] and fake.requests == []


def test_a_dotenv_key_counts_only_where_the_front_end_says_and_never_its_endpoint(fake: FakeGemini, tmp_path,
                                                                                  clock) -> None:
    from fakegemini import API_KEY

    (tmp_path / ".env").write_text(f"# local settings\nexport GOOGLE_API_KEY='{API_KEY}'\n"
                                   "GEMINI_BASE_URL=http://127.0.0.1:9\n")
    env = {"GEMINI_BASE_URL": fake.url}
    # The language server names no .env folder: a workspace's .env supplies nothing.
    server = CloudAnalyst(CLOUD, store=CloudStore(None), env=dict(env), clock=clock, monotonic=clock)
    assert server.status()["state"] == "offline" and "no GOOGLE_API_KEY" in server.status()["message"]
    # The command line names the folder it runs in: the key may come from there, the endpoint never.
    cli = CloudAnalyst(CLOUD, store=CloudStore(None), env=dict(env), dotenv_dirs=[str(tmp_path)],
                       clock=clock, monotonic=clock)
    assert cli.enabled
    cli.analyze("/w/avg.py", AVERAGE, [])
    assert len(fake.requests) == 1 and fake.requests[0].headers["x-goog-api-key"] == API_KEY
    editor = CloudAnalyst(CLOUD, store=CloudStore(None), env=dict(env), clock=clock, monotonic=clock)
    assert editor.status()["state"] == "offline"
    editor.set_api_key(API_KEY)
    assert editor.status()["state"] == "checking"  # "Gemini" only once the key is verified
    editor.verify()
    assert editor.status()["state"] == "gemini"
    editor.set_api_key(None)
    assert editor.status()["state"] == "offline"


@pytest.mark.parametrize("url,safe", [
    ("https://proxy.example.org/gemini", True), ("http://127.0.0.1:8080", True), ("http://localhost:1", True),
    ("http://[::1]:9", True), ("http://203.0.113.9", False), ("http://127.0.0.1.evil.example", False),
    ("ftp://127.0.0.1", False), ("not a url", False),
])
def test_an_endpoint_must_be_https_unless_it_is_this_machine(fake: FakeGemini, clock, url: str, safe: bool) -> None:
    from fakegemini import API_KEY

    analyst = CloudAnalyst(CLOUD, store=CloudStore(None), env={"GEMINI_BASE_URL": url, "GOOGLE_API_KEY": API_KEY},
                           clock=clock, monotonic=clock)
    reason = analyst.disabled_reason()
    assert (reason == "") is safe, reason
    if not safe:
        assert "GEMINI_BASE_URL" in reason and analyst.status()["state"] == "offline"
        assert analyst.analyze("/w/avg.py", AVERAGE, []) == [] and analyst.verify() is None


# -- explanations (prefetch) ------------------------------------------------------------------


def test_explanations_are_cached_for_instant_hovers(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    rule = Finding("CC301", Span.of(2, 4, 2, 31), Severity.WARNING, "range() starts at 1",
                   Explanation("w", "i", "h", "u"), ("loops",), Source.RULES)
    assert analyst.cached_explanation(rule, AVERAGE) is None
    fake.reply(Reply.text("Your loop starts at **1**.\n```python\nfor i in range(len(xs)):\n```"))
    text = analyst.explain(rule, AVERAGE, path="/w/avg.py")
    assert text.startswith("Your loop starts at **1**.") and "range(len(xs))" not in text
    assert analyst.cached_explanation(rule, AVERAGE) == text
    assert analyst.explain(rule, AVERAGE + "\n# note\n") == text
    assert len(fake.requests) == 1
    gemini = replace(rule, source=Source.GEMINI)
    assert analyst.explain(gemini, AVERAGE) is None  # it already carries its explanation


def test_explanations_leave_budget_for_analysis(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst(replace(CLOUD, requestsPerMinute=3))
    rules = [Finding(f"CC{n}", Span.of(0, 0, 0, 3), Severity.WARNING, f"m{n}", Explanation("w", "i", "h", "u"), ())
             for n in range(5)]
    fake.default = Reply.text("Because.")
    results = [analyst.explain(rule, AVERAGE) for rule in rules]
    assert results == ["Because.", None, None, None, None]
    analyst.analyze("/w/avg.py", AVERAGE, [])
    assert len(fake.requests) == 2


# -- status -------------------------------------------------------------------------


def test_status_snapshot_and_change_notifications(fake: FakeGemini, make_analyst, clock: Clock) -> None:
    seen: list[dict] = []
    analyst = make_analyst(on_status=seen.append)
    analyst.analyze("/w/avg.py", AVERAGE, [])
    status = analyst.status()
    assert set(status) == {"state", "provider", "breaker", "callsLeftToday", "nextReset", "message", "model", "notice"}
    assert status["state"] == "gemini" and status["provider"] == "gemini" and status["breaker"] == "closed"
    assert status["callsLeftToday"] == 199
    reset = datetime.fromisoformat(status["nextReset"])
    assert reset.utcoffset() is not None and reset.timestamp() > clock.now
    assert seen and seen[-1]["callsLeftToday"] == 199
    count = len(seen)
    analyst.analyze("/w/avg.py", AVERAGE, [])  # cache hit: nothing changed, nothing notified
    assert len(seen) == count
    analyst.update(replace(CLOUD, cloudEnabled=False))
    assert seen[-1]["state"] == "offline"


def test_topic_difficulty_and_study_topics_are_kept_per_chunk(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    assert analyst.reviews("/w/avg.py") == []
    fake.reply(answer(review(point(3))))
    analyst.analyze("/w/avg.py", AVERAGE, [])
    (r,) = analyst.reviews("/w/avg.py")
    assert r["chunk"] == "function average" and r["topic"] == "averaging numbers"
    assert r["difficulty"] == 2 and r["study_topics"] == ["range()"] and r["concepts"] == ["loops"]


def test_the_sdk_is_not_even_imported_while_cloud_is_off() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from codecoach.config import CloudSettings\n"
        "from codecoach.providers.analyst import CloudAnalyst\n"
        "from codecoach.providers.store import CloudStore\n"
        "a = CloudAnalyst(CloudSettings(), store=CloudStore(None), env={'GOOGLE_API_KEY': 'k'})\n"
        "a.analyze('/w/a.py', 'def f():\\n    return 1\\n', []); a.status()\n"
        "heavy = [m for m in ('langchain_google_genai', 'google.genai', 'langchain_core', 'pydantic') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_closed_session_is_summarized_from_facts_only_and_cached(fake: FakeGemini, make_analyst) -> None:
    from codecoach.memory import SessionDigest

    analyst = make_analyst()
    fake.default = Reply.text("A focused ten minutes on loops; the identity slip is worth a second look.")
    digest = SessionDigest("s1", 0.0, 600.0, files=["/home/ada/private/grades.py"], findings=3, fixes=1,
                           rules={"CC102": 2}, messages={"CC102": "`is` checks identity"},
                           concepts_used={"loops": 4})
    assert analyst.summarize_session(digest).startswith("A focused ten minutes")
    assert analyst.summarize_session(digest).startswith("A focused ten minutes")
    [request] = fake.generate_requests  # the second answer came from the cache
    assert "grades.py" in request.text and "/home/ada" not in request.text


def test_tailored_study_suggestions_keep_only_official_links(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    fake.default = Reply.text(
        '```json\n[{"title": "The range() function", "why": "Your loops start at 1.", "concept": "loops",'
        ' "rule": "CC301", "url": "https://docs.python.org/3/library/stdtypes.html#range"},'
        ' {"title": "A blog", "why": "More practice.", "url": "https://example.com/made-up"}]\n```'
    )
    context = {"concept": None, "struggles": [{"rule": "CC301", "concept": "loops", "count": 3,
                                               "message": "index past the end", "files": ["/home/ada/x/grades.py"]}]}
    items = analyst.tailor([{"title": "Tutorial: for Statements"}], context)
    assert [i["title"] for i in items] == ["The range() function", "A blog"]
    assert items[0]["url"].startswith("https://docs.python.org/") and items[1]["url"] == ""
    [request] = fake.generate_requests
    assert "grades.py" in request.text and "/home/ada" not in request.text


def test_tailor_gives_nothing_when_the_answer_is_not_json(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    fake.default = Reply.text("Sure! Here are some ideas: read about loops.")
    assert analyst.tailor([], {"struggles": []}) is None
