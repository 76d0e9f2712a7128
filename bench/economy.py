#!/usr/bin/env python3
"""Gemini economy: how many requests, tokens and cache hits typing costs.

    python bench/economy.py [--quick] [--output bench/RESULTS.md]

Typing traces (bench/traces.py) are replayed through the real server
(`codecoach serve`, over stdio) with cloud analysis on, against the fake
Gemini of tests/fakegemini.py on 127.0.0.1: the real SDK, the real REST
shapes, an answer after 0.8-2.5 s (simulated), structured reviews built from
the chunk ids and line numbers in each prompt (about a third get one
confusion point, the rest an empty review), short Markdown explanations, and
usageMetadata that scales with the prompt (1 token per 4 characters of
system instruction + contents) and the answer.

**Time compression, and why the figures are honest.** The settle timer, the
budget's 60 s window and the fake's latency all run on the wall clock, so the
whole replay runs K = 4 times faster than the learner typed, with every clock
that matters scaled by the same K:

- `settleSeconds: 1` (wall) = the shipped default of 4 s (simulated);
- `debounceMs: 75` (wall) = the default 300 ms; inter-key delays and
  pauses are divided by K, none is cut short;
- the fake's latency is 0.2-0.625 s wall = 0.8-2.5 s simulated;
- the server's cloud layer (`CloudAnalyst`: its budget with the shipped
  8/min and 200/day, the breaker, the 60 s retry wait of a failed chunk)
  gets clocks that run K times faster. That is the one thing changed inside
  the server process, by `--instrumented-server` below, which wraps functions
  from outside (no server file is edited) and logs what happened (each cloud
  analysis: the chunks, which were cached, sent, deferred; each budget
  decision; each explanation).

Requests per hour are counted against *simulated* typing time (the learner's
time, sum of the trace delays plus a 20 s look at the result at the end of
each program), so `requests / (wall seconds * K / 3600)`. Per-minute peaks
use request arrival times at the fake, multiplied by K. What is not scaled:
the server's own CPU time (analysis, the SDK's request building): a few ms
to tens of ms per request look K times longer in simulated time, which only
makes the figures slightly pessimistic.

The no-repeat check does not trust the server: every chunk in every recorded
review prompt is cut out of the prompt (by the "lines A-B" header and the
line numbers), hashed exactly and with the server's normalized hash, and
duplicates are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
K = 4.0  # time compression: simulated seconds per wall second
SETTLE_SECONDS = 1  # wall; = the default 4 s simulated
CLOUD_SETTLE_SECONDS = 5  # wall; = the default 20 s simulated (cloudSettleSeconds)
DEBOUNCE_MS = 75  # wall; = the default 300 ms simulated
LATENCY_SIM = (0.8, 2.5)  # fake Gemini answer time, simulated seconds
END_PAUSE_SIM = 30.0  # the learner looks at the result before the next program (> cloudSettleSeconds)
LOG_ENV = "CODECOACH_BENCH_ECONOMY_LOG"
SCALE_ENV = "CODECOACH_BENCH_TIME_SCALE"

FULL = {"per_corpus": 5, "max_lines": 80}
QUICK_SIM_SECONDS = 90.0  # the shortest corpus pairs, up to this much simulated typing


# =========================================================================== the server side
def _instrumented_server() -> int:
    """`codecoach serve` with the cloud layer on a K-times-faster clock, logging its decisions."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
    scale = float(os.environ.get(SCALE_ENV, "1"))
    out = open(os.environ[LOG_ENV], "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the process
    lock = threading.Lock()
    wall0, mono0 = time.time(), time.monotonic()

    def emit(event: str, **data) -> None:
        data.update(ev=event, t=time.monotonic())
        with lock:
            out.write(json.dumps(data) + "\n")

    def sim_time() -> float:
        return wall0 + (time.time() - wall0) * scale

    def sim_monotonic() -> float:
        return mono0 + (time.monotonic() - mono0) * scale

    from codecoach.coach import Coach
    from codecoach.providers import analyst as analyst_mod
    from codecoach.providers import budget as budget_mod
    from codecoach.providers import chain as chain_mod
    from codecoach.providers import chunks as chunks_mod

    Analyst = analyst_mod.CloudAnalyst
    local = threading.local()

    init = Analyst.__init__

    def analyst_init(self, *args, **kwargs):
        kwargs.setdefault("clock", sim_time)
        kwargs.setdefault("monotonic", sim_monotonic)
        init(self, *args, **kwargs)

    Analyst.__init__ = analyst_init

    analyze = Analyst.analyze

    def analyst_analyze(self, path, text, offline_findings=(), past_context=()):
        local.cached, local.select = [], None
        try:
            return analyze(self, path, text, offline_findings, past_context)
        finally:
            sel = local.select
            if sel is not None:
                emit("analyze", path=path, **sel, cached=local.cached)
            local.select = None

    Analyst.analyze = analyst_analyze

    cached = Analyst._cached

    def analyst_cached(self, chain, purpose, digest, **kwargs):
        payload = cached(self, chain, purpose, digest, **kwargs)
        if purpose == "review" and payload is not None and getattr(local, "cached", None) is not None:
            local.cached.append(digest)
        return payload

    Analyst._cached = analyst_cached

    select = chunks_mod.select

    def chunks_select(chunks, is_known, findings=(), *args, **kwargs):
        batch, later = select(chunks, is_known, findings, *args, **kwargs)
        local.select = {
            "chunks": [[c.digest, c.name, c.first, c.last] for c in chunks],
            "known": [c.digest for c in chunks if is_known(c)],
            "batch": [c.digest for c in batch],
            "later": [c.digest for c in later],
        }
        return batch, later

    chunks_mod.select = chunks_select

    explain = Analyst.explain

    def analyst_explain(self, finding, code_region, *args, **kwargs):
        cached = self.cached_explanation(finding, code_region) is not None
        text = explain(self, finding, code_region, *args, **kwargs)
        emit("explain", rule=finding.rule_id, cached=cached, answered=text is not None)
        return text

    Analyst.explain = analyst_explain

    acquire = budget_mod.Budget.try_acquire

    def budget_acquire(self, reserve_minute=0, reserve_day=0, reserve_hour=0):
        ok = acquire(self, reserve_minute, reserve_day, reserve_hour)
        emit("acquire", ok=ok, reserve_minute=reserve_minute,
             reason=None if ok else (self.blocked_reason() or "reserve"))
        return ok

    budget_mod.Budget.try_acquire = budget_acquire

    call = chain_mod.ProviderChain.call

    def chain_call(self, purpose, messages, **kwargs):
        started = time.monotonic()
        outcome = call(self, purpose, messages, **kwargs)
        emit("call", purpose=purpose, provider=outcome.provider, ok=outcome.result is not None,
             blocked=outcome.blocked, error=outcome.error[:200], seconds=time.monotonic() - started)
        return outcome

    chain_mod.ProviderChain.call = chain_call

    settle = Coach.settle

    def coach_settle(self, file):
        new = settle(self, file)
        emit("settle", path=file, new=len(new))
        return new

    Coach.settle = coach_settle

    from codecoach.cli import main

    return main(["serve"])


if __name__ == "__main__" and sys.argv[1:2] == ["--instrumented-server"]:
    sys.exit(_instrumented_server())


# =========================================================================== the benchmark side
sys.path.insert(0, str(BENCH_DIR))

from common import (  # noqa: E402
    DEFAULT_OUTPUT,
    REPO,
    fmt,
    header_lines,
    percentile,
    verdict,
    write_section,
)


def _load_fakegemini():
    """tests/fakegemini.py, without putting tests/ (whose `lsp`, `memory` packages shadow names) on sys.path."""
    import importlib.util

    if "fakegemini" in sys.modules:
        return sys.modules["fakegemini"]
    spec = importlib.util.spec_from_file_location("fakegemini", BENCH_DIR.parent / "tests" / "fakegemini.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fakegemini"] = module
    spec.loader.exec_module(module)
    return module


_fake = _load_fakegemini()
API_KEY, FakeGemini, Recorded, Reply = _fake.API_KEY, _fake.FakeGemini, _fake.Recorded, _fake.Reply
from lsp_session import Session, server_env  # noqa: E402
from traces import Trace, build_traces, load_programs  # noqa: E402

TARGET_PER_HOUR = 60
TARGET_PER_MINUTE = 8
SERVER = [sys.executable, str(Path(__file__).resolve()), "--instrumented-server"]

_CHUNK_HEADER = re.compile(r"^### chunk (\S+): (.*) \(lines (\d+)-(\d+);", re.MULTILINE)
_NUMBERED = re.compile(r"^\s*(\d+) \| ?(.*)$")


def _texts(body) -> list[str]:
    """Every text part of a generateContent body: system instruction and contents."""
    if not isinstance(body, dict):
        return []
    parts = []
    for part in (body.get("systemInstruction") or {}).get("parts") or []:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
    return parts


def purpose_of(text: str) -> str:
    if "chunk(s) of a learner's Python file" in text:
        return "analysis"
    if "The coach flagged:" in text:
        return "explanation"
    if "coding period" in text:
        return "narrative"
    return "other"


def prompt_chunks(text: str) -> list[dict]:
    """The chunks of a review prompt: id, name, 1-based line range, and the chunk's own lines."""
    found = []
    headers = list(_CHUNK_HEADER.finditer(text))
    for i, match in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        block = text[match.end():end]
        first, last = int(match.group(3)), int(match.group(4))
        lines = []
        for line in block.split("```python", 1)[-1].split("```", 1)[0].splitlines():
            m = _NUMBERED.match(line)
            if m and first <= int(m.group(1)) <= last:
                lines.append(m.group(2))
        found.append({"id": match.group(1), "name": match.group(2), "first": first, "last": last,
                      "code": "\n".join(lines) + "\n"})
    return found


class EconomyGemini(FakeGemini):
    """The fake Gemini answering each request from its own prompt, after a realistic delay."""

    def __init__(self, scale: float, seed: int = 5) -> None:
        super().__init__()
        self.scale = scale
        self.rng = random.Random(seed)
        self.usage: list[dict] = []  # per generate request: arrival (monotonic), purpose, tokens, prompt text
        self._local = threading.local()
        fake = self

        class Requests(list):
            def append(self, record: Recorded) -> None:  # the handler's thread records, then asks for a reply
                fake._local.record = record
                super().append(record)

        self.requests = Requests()

    def _next_reply(self) -> Reply:
        record: Recorded = self._local.record
        text = "\n".join(_texts(record.body))
        purpose = purpose_of(text)
        with self._lock:
            delay = self.rng.uniform(*LATENCY_SIM) / self.scale
            point_roll = [self.rng.random() for _ in range(8)]
        if purpose == "analysis":
            reviews = []
            for index, chunk in enumerate(prompt_chunks(text)):
                points = []
                if point_roll[index % len(point_roll)] < 0.33:
                    line = chunk["first"] + (chunk["last"] - chunk["first"]) // 2
                    points.append({
                        "start_line": line, "end_line": line, "kind": "logic",
                        "message": "This line may not do what you expect for an empty input.",
                        "explanation": "When the input is empty the loop never runs, so the value stays unset.",
                        "concept": "edge cases", "hint": "What happens when the list has no elements?",
                    })
                reviews.append({"chunk_id": chunk["id"], "topic": f"writing {chunk['name']}",
                                "concepts": ["loops", "functions"], "difficulty": 2,
                                "confusion_points": points, "study_topics": ["edge cases"]})
            answer = json.dumps({"chunks": reviews})
        elif purpose == "explanation":
            answer = ("This happens because Python evaluates the expression **before** the name is bound. "
                      "Think about the order in which the lines run, and which value each name has at that "
                      "moment. Hint: trace it with a tiny input on paper.")
        else:
            answer = "You practised loops and conditions; keep an eye on edge cases next."
        prompt_tokens = max(1, len(text) // 4)
        response_tokens = max(1, len(answer) // 4)
        with self._lock:
            self.usage.append({"arrived": time.monotonic(), "purpose": purpose, "prompt": prompt_tokens,
                               "response": response_tokens, "text": text})
        reply = Reply.text(answer, usage={"promptTokenCount": prompt_tokens, "candidatesTokenCount": response_tokens,
                                          "totalTokenCount": prompt_tokens + response_tokens})
        reply.delay = delay
        return reply


class EconomySession(Session):
    """The bench LSP session, with the key and the fake's URL in the server's environment."""

    def __init__(self, fake_url: str, log_path: str) -> None:
        super().__init__(SERVER)
        self.fake_url = fake_url
        self.log_path = log_path

    async def start(self, options: dict | None = None, timeout: float = 30.0) -> float:
        from lsprotocol import types as lsp

        import lsp_session as ls

        env = server_env(self.data_dir) | {
            "GOOGLE_API_KEY": API_KEY, "GEMINI_BASE_URL": self.fake_url,
            LOG_ENV: self.log_path, SCALE_ENV: str(K),
        }
        self.started_at = time.perf_counter()
        await self.client.start_io(*self.command, env=env, cwd=str(REPO), start_new_session=True)
        self.pid = self.client._server.pid if self.client._server is not None else None  # noqa: SLF001
        await asyncio.wait_for(self.client.initialize_async(lsp.InitializeParams(
            capabilities=ls.vscode_capabilities(), process_id=os.getpid(), root_uri=None,
            initialization_options=options or {})), timeout)
        self.client.initialized(lsp.InitializedParams())
        return time.perf_counter() - self.started_at


@dataclass
class Run:
    traces: list[Trace]
    wall_s: float = 0.0  # replay time, first change to the end of the last program's closing pause
    sim_s: float = 0.0  # the learner's time the replay stands for
    keystrokes: int = 0
    requests: list[dict] = field(default_factory=list)  # per generate request: purpose, sim t, tokens, chunks
    embed_requests: int = 0
    events: list[dict] = field(default_factory=list)
    error: str = ""


async def replay(traces: list[Trace]) -> Run:
    run = Run(traces)
    log_file = tempfile.NamedTemporaryFile(prefix="codecoach-economy-", suffix=".jsonl", delete=False)  # noqa: SIM115
    log_file.close()
    fake = EconomyGemini(K).start()
    session = EconomySession(fake.url, log_file.name)
    t0 = None
    try:
        await session.start({"cloudEnabled": True, "settleSeconds": SETTLE_SECONDS,
                             "cloudSettleSeconds": CLOUD_SETTLE_SECONDS, "debounceMs": DEBOUNCE_MS})
        t0 = time.monotonic()
        for index, trace in enumerate(traces):
            uri = f"file:///tmp/codecoach-economy/{index:03d}_{trace.name.replace('/', '_')}.py"
            session.open(uri, "", 1)
            start = time.monotonic()
            due = 0.0
            for i, step in enumerate(trace.steps):
                due += step.delay / K
                wait = start + due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                session.change(uri, i + 2, step.start, step.end, step.text)
            await asyncio.sleep(END_PAUSE_SIM / K)
            session.close(uri)
            run.keystrokes += len(trace.steps)
            run.sim_s += sum(s.delay for s in trace.steps) + END_PAUSE_SIM
        run.wall_s = time.monotonic() - t0
    except Exception as error:  # noqa: BLE001 - reported in the section
        run.error = f"{type(error).__name__}: {error}"
    finally:
        await session.stop()
        fake.stop()
    for usage in sorted(fake.usage, key=lambda u: u["arrived"]):
        run.requests.append({**usage, "t": (usage["arrived"] - (t0 or usage["arrived"])) * K,
                             "chunks": prompt_chunks(usage["text"]) if usage["purpose"] == "analysis" else []})
    run.embed_requests = sum(1 for r in fake.requests if "mbedContent" in r.action)
    with open(log_file.name, encoding="utf-8") as handle:
        run.events = [json.loads(line) for line in handle if line.strip()]
    os.unlink(log_file.name)
    for event in run.events:
        event["sim"] = (event["t"] - (t0 or event["t"])) * K  # server monotonic = ours (same clock, same machine)
    return run


# --------------------------------------------------------------------------- figures
def max_in_window(times: list[float], window: float = 60.0) -> int:
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def figures(run: Run) -> dict:
    from codecoach.providers.chunks import normalized_hash

    hours = run.sim_s / 3600 if run.sim_s else math.nan
    by = Counter(r["purpose"] for r in run.requests)
    f: dict = {"hours": hours, "by_purpose": dict(by), "total": len(run.requests)}
    f["per_hour"] = {p: by.get(p, 0) / hours for p in ("analysis", "explanation", "narrative")}
    f["per_hour_total"] = len(run.requests) / hours
    f["max_minute"] = max_in_window([r["t"] for r in run.requests])
    f["max_minute_analysis"] = max_in_window([r["t"] for r in run.requests if r["purpose"] == "analysis"])
    f["tokens"] = {}
    for purpose in ("analysis", "explanation"):
        rows = [r for r in run.requests if r["purpose"] == purpose]
        f["tokens"][purpose] = {
            "n": len(rows),
            "prompt": (percentile([r["prompt"] for r in rows], 50), percentile([r["prompt"] for r in rows], 95)),
            "response": (percentile([r["response"] for r in rows], 50), percentile([r["response"] for r in rows], 95)),
            "total": sum(r["prompt"] + r["response"] for r in rows),
        }
    f["tokens_per_hour"] = sum(r["prompt"] + r["response"] for r in run.requests) / hours

    # Unchanged content sent twice: every chunk cut out of every recorded review prompt.
    exact, normalized = Counter(), Counter()
    chunk_count = 0
    for r in run.requests:
        for chunk in r["chunks"]:
            chunk_count += 1
            exact[chunk["code"]] += 1
            normalized[normalized_hash(chunk["code"])] += 1
    f["chunks_sent"] = chunk_count
    f["dup_exact"] = sum(n - 1 for n in exact.values())
    f["dup_normalized"] = sum(n - 1 for n in normalized.values())
    explain_texts = Counter(r["text"] for r in run.requests if r["purpose"] == "explanation")
    f["dup_explanations"] = sum(n - 1 for n in explain_texts.values())

    # The server's own account of each cloud analysis (one per settle with cloud on).
    analyses = [e for e in run.events if e["ev"] == "analyze"]
    f["analyses"] = len(analyses)
    f["settles"] = sum(1 for e in run.events if e["ev"] == "settle")
    cached = sent = deferred = inflight = dropped = 0
    previous: dict[str, set[str]] = {}
    changed_total = changed_sent = changed_cached = changed_dropped = 0
    sent_digests: set[str] = set()
    # A batch was sent only if its review call got past the budget. The cloud worker is one thread, so
    # the review call logged last before an analysis' own event is that analysis' call.
    refused_batches = 0
    last_review_granted = False
    granted: dict[int, bool] = {}
    for e in run.events:
        if e["ev"] == "call" and e["purpose"] == "review":
            last_review_granted = e["provider"] != "offline"
        elif e["ev"] == "analyze":
            granted[id(e)] = bool(e["batch"]) and last_review_granted
            last_review_granted = False
    for e in analyses:
        digests = [c[0] for c in e["chunks"]]
        cached_set, known, later = set(e["cached"]), set(e["known"]), set(e["later"])
        batch = set(e["batch"]) if granted[id(e)] else set()
        refused_batches += len(e["batch"]) - len(batch)
        cached += sum(1 for d in digests if d in cached_set)
        sent += len(batch)
        deferred += len(later)
        inflight += sum(1 for d in digests if d in known and d not in cached_set)
        dropped += sum(1 for d in digests if d not in known and d not in e["batch"] and d not in later)
        before = previous.get(e["path"], set())
        changed = [d for d in dict.fromkeys(digests) if d not in before]
        changed_total += len(changed)
        changed_sent += sum(1 for d in changed if d in batch)
        changed_cached += sum(1 for d in changed if d in cached_set)
        changed_dropped += sum(1 for d in changed if d not in batch and d not in cached_set)
        sent_digests.update(batch)
        previous[e["path"]] = set(digests)
    f["chunk_cached"], f["chunk_sent"], f["chunk_deferred"] = cached, sent, deferred
    f["chunk_inflight"], f["chunk_dropped"], f["chunk_refused"] = inflight, dropped, refused_batches
    f["cache_hit_rate"] = cached / (cached + sent) if cached + sent else math.nan
    f["changed_total"], f["changed_sent"], f["changed_cached"] = changed_total, changed_sent, changed_cached
    f["changed_missed"] = changed_dropped
    f["changed_share"] = (changed_sent + changed_cached) / changed_total if changed_total else math.nan
    f["analyses_with_request"] = sum(1 for e in analyses if granted[id(e)])
    f["analyses_all_cached"] = sum(1 for e in analyses if not e["batch"] and not e["later"]
                                   and set(c[0] for c in e["chunks"]) <= set(e["cached"]))
    # The last cloud analysis of each document: is the final text fully analyzed?
    last: dict[str, dict] = {}
    for e in analyses:
        last[e["path"]] = e
    final_chunks = sum(len(e["chunks"]) for e in last.values())
    final_covered = sum(1 for e in last.values() for c in e["chunks"]
                        if c[0] in set(e["cached"]) | (set(e["batch"]) if granted[id(e)] else set()))
    f["final_chunks"], f["final_covered"] = final_chunks, final_covered

    acquires = [e for e in run.events if e["ev"] == "acquire"]
    refused = [e for e in acquires if not e["ok"]]
    f["budget_refused"] = len(refused)
    f["budget_refused_analysis"] = sum(1 for e in refused if e["reserve_minute"] == 0)
    f["budget_refused_explanation"] = sum(1 for e in refused if e["reserve_minute"] > 0)
    f["budget_reasons"] = dict(Counter(e["reason"] for e in refused))
    calls = [e for e in run.events if e["ev"] == "call"]
    f["calls_unanswered"] = sum(1 for e in calls if not e["ok"] and not e["blocked"])
    f["call_errors"] = dict(Counter(e["error"].split(":")[0] for e in calls if not e["ok"] and e["error"]))
    explains = [e for e in run.events if e["ev"] == "explain"]
    f["explains"] = len(explains)
    f["explains_cached"] = sum(1 for e in explains if e["cached"])
    f["explains_answered"] = sum(1 for e in explains if e["answered"])
    f["server_requests"] = sum(1 for e in acquires if e["ok"])
    return f


def render(run: Run, f: dict, quick: bool, argv: list[str], elapsed: float) -> str:
    out = header_lines("Economy (Gemini path)", quick, argv, elapsed)
    n_fix = sum(1 for t in run.traces for s in t.steps if s.phase == "fix")
    out += [
        f"- **Traces:** {len(run.traces)} programs ({', '.join(t.name for t in run.traces)}), "
        f"{run.keystrokes} changes ({n_fix} of them buggy→fixed edits) = **{run.sim_s / 60:.1f} minutes of "
        f"simulated typing** (trace delays plus a {END_PAUSE_SIM:.0f} s look at the result after each program), "
        f"replayed in {run.wall_s:.0f} s wall; one server, each program typed into a new, empty document.",
        "- **Server:** `codecoach serve` with `cloudEnabled: true` and the real SDK against the fake Gemini "
        "(tests/fakegemini.py) on 127.0.0.1; shipped budget (8/min, 60/hour, 200/day), explanation prefetch "
        "(one new finding per quiet period), the response cache in a fresh data folder.",
        f"- **Time compression K = {K:g}:** `settleSeconds: {SETTLE_SECONDS}`, `cloudSettleSeconds: "
        f"{CLOUD_SETTLE_SECONDS}` and `debounceMs: {DEBOUNCE_MS}` (wall) = the defaults 4 s, 20 s and 300 ms (simulated); inter-key delays ÷ {K:g} (no pause is cut); the fake "
        f"answers after {LATENCY_SIM[0]}-{LATENCY_SIM[1]} s simulated; the cloud layer's clocks (budget window, "
        "breaker, failed-chunk retry) run K× faster, wrapped from outside the server's code. Rates are per hour "
        "of *simulated* typing; per-minute peaks use arrival times at the fake × K. See bench/economy.py.",
        "- **Fake answers:** structured reviews built from the chunk ids and line numbers in each prompt (about a "
        "third with one confusion point); usageMetadata: prompt tokens = characters of system instruction + "
        "contents ÷ 4, response tokens = answer characters ÷ 4 (no thinking tokens: a real gemini-2.5-flash "
        "may add those to the response).",
    ]
    if run.error:
        out.append(f"- **Replay error:** `{run.error}`")
    tok_a, tok_e = f["tokens"]["analysis"], f["tokens"]["explanation"]
    out += [
        "",
        "| Figure | Value | Target | Verdict |",
        "|---|---:|---:|---|",
        f"| Requests per hour of typing, **total** | {fmt(f['per_hour_total'], 1)} | ≤ {TARGET_PER_HOUR} | "
        f"{verdict(f['per_hour_total'], TARGET_PER_HOUR)} |",
        f"| — analysis (review) requests per hour | {fmt(f['per_hour']['analysis'], 1)} | – | – |",
        f"| — explanation requests per hour | {fmt(f['per_hour']['explanation'], 1)} | – | – |",
        f"| Highest requests in any 60 s (simulated), all purposes | {f['max_minute']} | ≤ {TARGET_PER_MINUTE} | "
        f"{verdict(f['max_minute'], TARGET_PER_MINUTE)} |",
        f"| Unchanged chunk content sent twice (normalized hash / exact text, from the recorded prompts) | "
        f"{f['dup_normalized']} / {f['dup_exact']} | 0 | {verdict(f['dup_normalized'] + f['dup_exact'], 0)} |",
        f"| Identical explanation prompts sent twice | {f['dup_explanations']} | 0 | {verdict(f['dup_explanations'], 0)} |",
        f"| Cache hit rate (chunks answered from cache / (cached + sent)) | {fmt(100 * f['cache_hit_rate'], 1)} % | – | – |",
        f"| Share of settled changed functions that got analyzed | {fmt(100 * f['changed_share'], 1)} % | – | – |",
        f"| Budget refusals (calls the budget blocked) | {f['budget_refused']} | – | – |",
        f"| Prompt tokens per analysis request, p50 / p95 | {fmt(tok_a['prompt'][0], 0)} / {fmt(tok_a['prompt'][1], 0)} | – | – |",
        f"| Response tokens per analysis request, p50 / p95 | {fmt(tok_a['response'][0], 0)} / {fmt(tok_a['response'][1], 0)} | – | – |",
        f"| Prompt tokens per explanation request, p50 / p95 | {fmt(tok_e['prompt'][0], 0)} / {fmt(tok_e['prompt'][1], 0)} | – | – |",
        f"| Response tokens per explanation request, p50 / p95 | {fmt(tok_e['response'][0], 0)} / {fmt(tok_e['response'][1], 0)} | – | – |",
        f"| Tokens per hour of typing (prompt + response) | {fmt(f['tokens_per_hour'], 0)} | – | – |",
        "",
        "**Counts.** "
        f"{f['total']} generate requests reached the fake ({', '.join(f'{k} {v}' for k, v in sorted(f['by_purpose'].items())) or 'none'}; "
        f"the server's budget granted {f['server_requests']}), {run.embed_requests} embedding requests; "
        f"{f['settles']} settles (one more at each document's close, which never calls the cloud), {f['analyses']} cloud analyses: {f['analyses_with_request']} sent a request, "
        f"{f['analyses_all_cached']} found every chunk in the cache. Chunks seen by those analyses: "
        f"{f['chunk_cached']} from the cache, {f['chunk_sent']} sent ({f['chunks_sent']} cut out of the recorded prompts), "
        f"{f['chunk_refused']} in a request the budget refused, "
        f"{f['chunk_deferred']} deferred to a later request (more than 4 changed, or over 12,000 characters), "
        f"{f['chunk_inflight']} skipped as in flight or recently failed, {f['chunk_dropped']} never sendable "
        f"(a chunk too large on its own). Explanations: {f['explains']} prefetches, {f['explains_cached']} "
        f"already cached, {f['explains_answered']} answered. Budget refusals: {f['budget_refused_analysis']} "
        f"analysis, {f['budget_refused_explanation']} explanation "
        f"({', '.join(f'{k} {v}' for k, v in sorted(f['budget_reasons'].items())) or 'none'}; an explanation is "
        "refused when it would take one of the last 2 calls of the minute). Calls nobody answered: "
        f"{f['calls_unanswered']}{' (' + json.dumps(f['call_errors']) + ')' if f['call_errors'] else ''}.",
        "",
        "**Definitions.** A *settle* is the server's `_settled` step (settleSeconds of quiet after a published "
        "analysis); with cloud on each one runs a cloud analysis of the whole document. *Functions* are the "
        "server's chunks (a function, a method, or a run of top-level statements). A *settled changed "
        "function* is a chunk whose normalized hash at a settle was not among that document's chunk hashes at "
        "its previous settle (at the first settle every chunk is changed); it *got analyzed* if that settle sent "
        f"it or found it in the cache: {f['changed_sent']} sent + {f['changed_cached']} cached of "
        f"{f['changed_total']} ({f['changed_missed']} neither: deferred, in flight, refused by the budget or too "
        f"large — later settles may still cover a later version). Final texts: {f['final_covered']} of "
        f"{f['final_chunks']} chunks at each document's last cloud analysis were sent or cached. The cache hit "
        "rate counts chunks at every cloud analysis, so it is high by design: a function the learner is not "
        "touching is answered from the cache at every pause. The duplicate check cuts each chunk out of each "
        "recorded review prompt (lines named in its header) and counts repeats, by the server's normalized "
        "hash (comments and spacing do not count) and by exact text.",
    ]
    return "\n".join(out)


def summary_rows(f: dict | None) -> list[tuple]:
    if f is None:
        return []
    return [
        ("Gemini requests per hour of typing (simulated, K = 4)", f["per_hour_total"], float(TARGET_PER_HOUR),
         f"analysis {fmt(f['per_hour']['analysis'], 1)} + explanation {fmt(f['per_hour']['explanation'], 1)}", "req/h"),
        ("Gemini highest requests in any 60 s", float(f["max_minute"]), float(TARGET_PER_MINUTE),
         f"budget refused {f['budget_refused']} call(s)", "req"),
        ("Gemini unchanged chunks sent twice", float(f["dup_normalized"] + f["dup_exact"]), 0.0,
         f"cache hit rate {fmt(100 * f['cache_hit_rate'], 0)} %", "chunks"),
    ]


def pick_traces(quick: bool) -> list[Trace]:
    if quick:
        programs = load_programs(per_corpus=3, max_lines=25)
        # The buggy/fixed pairs of the corpora when they are there (../shared/corpora); a checkout
        # without them still measures something: the bundled examples, typed without a fix.
        traces = build_traces([p for p in programs if p.fixed is not None] or programs)
        traces.sort(key=lambda t: sum(s.delay for s in t.steps))
        chosen, total = [], 0.0
        for trace in traces:
            length = sum(s.delay for s in trace.steps) + END_PAUSE_SIM
            if chosen and total + length > QUICK_SIM_SECONDS:
                break
            chosen.append(trace)
            total += length
        return chosen
    return build_traces(load_programs(per_corpus=FULL["per_corpus"], max_lines=FULL["max_lines"]))


def run(quick: bool) -> tuple[Run, dict]:
    result = asyncio.run(replay(pick_traces(quick)))
    if result.error:
        raise RuntimeError(result.error)
    return result, figures(result)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short trace (< 40 s); writes only with --output")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result, f = run(args.quick)
    section = render(result, f, args.quick, [sys.argv[0], *argv], time.perf_counter() - started)
    print(section)
    output = args.output if args.output is not None else (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        write_section(output, "economy", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
