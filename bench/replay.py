#!/usr/bin/env python3
"""Typing replay through the real server over LSP stdio.

    python bench/replay.py [--quick] [--output bench/RESULTS.md]

Traces (bench/traces.py) type learner programs character by character and
then edit them from buggy to fixed. They are replayed with time compressed:

1. **Latency mode** (`debounceMs: 0`): each change is sent as soon as the
   previous version's diagnostics arrived, so every version is analyzed and
   its didChange -> publishDiagnostics time is the latency *beyond* the
   debounce. Every 10th version with diagnostics also gets hover requests at
   the start of (up to) two diagnostics. The same trace goes through
   bench/bare_server.py (publishes an empty list, no analysis) as the
   transport baseline.
2. **Debounced mode** (default `debounceMs`, 300 ms): inter-key delays are
   honoured exactly while they are shorter than the debounce + 250 ms; longer
   pauses are cut to "until this version's diagnostics arrived" (the server is
   idle for the rest of such a pause, so nothing is lost). Reports how many
   versions got published out of how many changes, and the latency beyond the
   debounce (publish - change - debounce) of the versions that were published.

Server CPU time comes from /proc/PID/stat (user + system, from after the
first open to before shutdown) and peak RSS from VmHWM in /proc/PID/status.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_OUTPUT, fmt, header_lines, summary_ms, verdict, write_section  # noqa: E402
from lsp_session import BARE, CODECOACH, Session  # noqa: E402
from traces import Trace, build_traces, load_programs  # noqa: E402

VERSION_TIMEOUT = 10.0
HOVER_EVERY = 10  # every Nth version that has diagnostics gets hovers (latency mode)

FULL = {"per_corpus": 10, "max_lines": 80, "debounced_keystrokes": 900}
QUICK = {"per_corpus": 1, "max_lines": 25, "debounced_keystrokes": 40}


@dataclass
class RunResult:
    label: str
    keystrokes: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, per published version
    syntax_error_latencies: list[float] = field(default_factory=list)
    parsed_latencies: list[float] = field(default_factory=list)
    missing: int = 0  # versions whose diagnostics never came (latency mode) / final versions missed
    published: int = 0
    hovers: list[float] = field(default_factory=list)
    hovers_with_content: int = 0
    hover_plan: dict = field(default_factory=dict)  # (trace index, version) -> [(line, character)]
    cpu_s: float = math.nan
    peak_rss_mb: float = math.nan
    heavy: list = field(default_factory=list)  # heavy native modules loaded in the server at the end
    wall_s: float = 0.0
    trace_seconds: float = 0.0  # the learner's time the keystrokes represent
    error: str = ""

    @property
    def cpu_ms_per_keystroke(self) -> float:
        return self.cpu_s * 1000 / self.keystrokes if self.keystrokes else math.nan


def _is_syntax(diagnostics) -> bool:
    return any(str(d.code or "").startswith("CC0") for d in diagnostics)


async def latency_mode(command: list[str], traces: list[Trace], label: str, plan: dict | None = None) -> RunResult:
    """debounceMs 0; wait for each version's diagnostics before sending the next change.

    Hovers go where `plan` says (the baseline replays the coach's hover positions), or,
    without a plan, at the start of up to two diagnostics of every HOVER_EVERY-th version
    that has any.
    """
    result = RunResult(label)
    session = Session(command)
    started = time.perf_counter()
    try:
        await session.start({"debounceMs": 0})
        cpu0 = None
        for t_index, trace in enumerate(traces):
            uri = f"file:///tmp/codecoach-replay/{t_index:03d}_{trace.name.replace('/', '_')}.py"
            fut = session.expect(uri, 1)
            session.open(uri, "", 1)
            await asyncio.wait_for(fut, VERSION_TIMEOUT)
            if cpu0 is None:
                cpu0 = session.cpu_seconds()
            with_diags = 0
            for i, step in enumerate(trace.steps):
                version = i + 2
                fut = session.expect(uri, version)
                sent = time.perf_counter()
                session.change(uri, version, step.start, step.end, step.text)
                try:
                    arrived = await asyncio.wait_for(fut, VERSION_TIMEOUT)
                except asyncio.TimeoutError:
                    result.missing += 1
                    session.forget(uri, version)
                    continue
                latency = arrived - sent
                result.latencies.append(latency)
                result.published += 1
                diagnostics = session.published[(uri, version)][1]
                (result.syntax_error_latencies if _is_syntax(diagnostics) else result.parsed_latencies).append(latency)
                if plan is not None:
                    points = plan.get((t_index, version), [])
                elif diagnostics:
                    with_diags += 1
                    points = []
                    if with_diags % HOVER_EVERY == 0:
                        points = [(d.range.start.line, d.range.start.character) for d in diagnostics[:2]]
                        result.hover_plan[(t_index, version)] = points
                else:
                    points = []
                for line, character in points:
                    took, hover = await session.hover(uri, line, character)
                    result.hovers.append(took)
                    result.hovers_with_content += hover is not None
            result.keystrokes += len(trace.steps)
            result.trace_seconds += sum(s.delay for s in trace.steps)
            session.close(uri)
        result.cpu_s = session.cpu_seconds() - (cpu0 or 0.0)
        result.peak_rss_mb = session.peak_rss_mb()
        result.heavy = session.heavy_modules()
    except Exception as error:  # noqa: BLE001 - report, do not sink the other benchmarks
        result.error = f"{type(error).__name__}: {error}"
    finally:
        await session.stop()
    result.wall_s = time.perf_counter() - started
    return result


async def debounced_mode(command: list[str], traces: list[Trace], budget: int, debounce_ms: int | None,
                         label: str = "") -> RunResult:
    """Real inter-key timing up to the debounce + 250 ms; count published versions."""
    label = label or f"Code Coach, debounceMs {debounce_ms if debounce_ms is not None else 'default (300)'}"
    result = RunResult(label)
    debounce = (debounce_ms if debounce_ms is not None else 300) / 1000
    cap = debounce + 0.25
    session = Session(command)
    started = time.perf_counter()
    try:
        await session.start({} if debounce_ms is None else {"debounceMs": debounce_ms})
        cpu0 = None
        left = budget
        for t_index, trace in enumerate(traces):
            if left <= 0:
                break
            steps = trace.steps[:left]
            left -= len(steps)
            uri = f"file:///tmp/codecoach-replay-debounced/{t_index:03d}_{trace.name.replace('/', '_')}.py"
            fut = session.expect(uri, 1)
            session.open(uri, "", 1)
            await asyncio.wait_for(fut, VERSION_TIMEOUT)
            if cpu0 is None:
                cpu0 = session.cpu_seconds()
            sent_at: dict[int, float] = {}
            next_send = time.perf_counter()
            for i, step in enumerate(steps):
                version = i + 2
                # The delay *before* this step was already waited; wait for the next one.
                wait = next_send - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                sent_at[version] = time.perf_counter()
                fut = session.expect(uri, version)
                session.change(uri, version, step.start, step.end, step.text)
                gap = steps[i + 1].delay if i + 1 < len(steps) else math.inf
                if gap >= cap:
                    try:  # a long pause: the server settles; skip the idle rest of it
                        await asyncio.wait_for(fut, VERSION_TIMEOUT)
                    except asyncio.TimeoutError:
                        session.forget(uri, version)
                    next_send = time.perf_counter()
                else:
                    session.forget(uri, version)
                    next_send = sent_at[version] + gap
            last = len(steps) + 1
            try:
                await asyncio.wait_for(session.expect(uri, last), VERSION_TIMEOUT)
            except asyncio.TimeoutError:
                result.missing += 1  # the final text never got diagnostics
            for version, sent in sent_at.items():
                hit = session.published.get((uri, version))
                if hit is not None:
                    result.published += 1
                    result.latencies.append(max(0.0, hit[0] - sent - debounce))
            result.keystrokes += len(steps)
            result.trace_seconds += sum(s.delay for s in steps)
            session.close(uri)
        result.cpu_s = session.cpu_seconds() - (cpu0 or 0.0)
        result.peak_rss_mb = session.peak_rss_mb()
        result.heavy = session.heavy_modules()
    except Exception as error:  # noqa: BLE001
        result.error = f"{type(error).__name__}: {error}"
    finally:
        await session.stop()
    result.wall_s = time.perf_counter() - started
    return result


async def run_all(quick: bool) -> tuple[dict, list[Trace]]:
    sizes = QUICK if quick else FULL
    programs = load_programs(per_corpus=sizes["per_corpus"], max_lines=sizes["max_lines"])
    if quick:  # the shortest example and one short pair per corpus
        examples = [p for p in programs if p.fixed is None]
        pairs = [p for p in programs if p.fixed is not None]
        programs = sorted(examples, key=lambda p: len(p.buggy))[:1] + pairs[-2:]
    traces = build_traces(programs)
    coach = await latency_mode(CODECOACH, traces, "Code Coach, debounceMs 0")
    results = {
        "coach": coach,
        "bare": await latency_mode(BARE, traces, "bare pygls server (baseline)", plan=coach.hover_plan),
        "debounced": await debounced_mode(CODECOACH, traces, sizes["debounced_keystrokes"], None),
        "bare_debounced": await debounced_mode(
            [*BARE, "--debounce-ms", "300"], traces, sizes["debounced_keystrokes"], None,
            label="bare pygls server, 300 ms asyncio debounce (baseline)",
        ),
    }
    return results, traces


def rss_target(*runs: RunResult) -> float:
    """120 MB before any embedding model is loaded, 300 MB with it (issue 7)."""
    model = any(m in r.heavy for r in runs for m in ("tokenizers", "onnxruntime", "torch"))
    return 300.0 if model else 120.0


def render(results: dict, traces: list[Trace], quick: bool, argv: list[str], elapsed: float) -> str:
    coach, bare, deb, bdeb = results["coach"], results["bare"], results["debounced"], results["bare_debounced"]
    out = header_lines("Typing replay over LSP (stdio)", quick, argv, elapsed)
    n_fix = sum(1 for t in traces for s in t.steps if s.phase == "fix")
    n_typo = sum(1 for t in traces for s in t.steps if s.phase == "typo")
    learner_min = sum(s.delay for t in traces for s in t.steps) / 60
    if os.environ.get("CODECOACH_BENCH_SERVER_SRC"):
        out.append(f"- **Server code:** `{os.environ['CODECOACH_BENCH_SERVER_SRC']}` (CODECOACH_BENCH_SERVER_SRC), not the working tree")
    out += [
        f"- **Traces:** {len(traces)} programs ({', '.join(sorted({t.name.split('/')[0] for t in traces}))}), "
        f"{sum(t.keystrokes for t in traces)} changes = {learner_min:.0f} minutes of simulated typing "
        f"({n_typo} typo/backspace changes, {n_fix} buggy→fixed edit changes); "
        f"one server for all traces, each program typed into a new, empty document; VS Code's client capabilities (UTF-16).",
        f"- **Debounced mode** replays the first {deb.keystrokes} changes with their real inter-key timing "
        f"({deb.trace_seconds / 60:.1f} simulated minutes, {deb.wall_s:.0f} s wall).",
        "- The machine has 2 cores and other engineers' processes may be running: percentiles are over many "
        "samples; the bare server in the same run shows the noise floor.",
        "",
        "| Figure | Code Coach | Target | Baseline: bare pygls server | Verdict |",
        "|---|---:|---:|---:|---|",
    ]
    c, b = summary_ms(coach.latencies), summary_ms(bare.latencies)
    d, bd = summary_ms(deb.latencies), summary_ms(bdeb.latencies)
    h, hb = summary_ms(coach.hovers), summary_ms(bare.hovers)
    rows = [
        ("didChange → publishDiagnostics, debounce 0, p50 (ms)", c["p50"], None, b["p50"], None),
        ("didChange → publishDiagnostics, debounce 0, **p95** (ms)", c["p95"], 20.0, b["p95"], True),
        ("didChange → publishDiagnostics, debounce 0, max (ms)", c["max"], None, b["max"], None),
        ("Beyond the 300 ms debounce, default settings, p50 (ms)", d["p50"], None, bd["p50"], None),
        ("Beyond the 300 ms debounce, default settings, **p95** (ms)", d["p95"], 20.0, bd["p95"], True),
        ("Hover, p50 (ms)", h["p50"], None, hb["p50"], None),
        ("Hover, **p95** (ms)", h["p95"], 15.0, hb["p95"], True),
        ("CPU per 1000 keystrokes, default debounce (s)", deb.cpu_ms_per_keystroke, 1.5, bdeb.cpu_ms_per_keystroke, True),
        ("CPU per 1000 keystrokes, debounce 0 — every version analyzed (s)", coach.cpu_ms_per_keystroke, None,
         bare.cpu_ms_per_keystroke, None),
        ("Peak RSS (VmHWM), debounce 0 run (MB)", coach.peak_rss_mb, rss_target(coach, deb), bare.peak_rss_mb, True),
        ("Peak RSS (VmHWM), default debounce run (MB)", deb.peak_rss_mb, rss_target(coach, deb), bdeb.peak_rss_mb, True),
    ]
    for name, value, target, base, check in rows:
        out.append(
            f"| {name} | {fmt(value, 2)} | {('≤ ' + fmt(target, 1)) if target else '–'} | {fmt(base, 2)} "
            f"| {verdict(value, target) if check and target else '–'} |"
        )
    out += [
        "",
        "(CPU per keystroke in ms equals CPU seconds per 1000 keystrokes.)",
        "",
        "| Run | Changes | Versions published | Missing | Latency p50 / p95 / max (ms) | Hovers (with content) | "
        "Server CPU (s) | Peak RSS (MB) | Wall (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in (coach, bare, deb, bdeb):
        s = summary_ms(r.latencies)
        status = f" — **failed: {r.error}**" if r.error else ""
        out.append(
            f"| {r.label}{status} | {r.keystrokes} | {r.published} ({100 * r.published / r.keystrokes if r.keystrokes else 0:.1f}%) "
            f"| {r.missing} | {fmt(s['p50'], 2)} / {fmt(s['p95'], 2)} / {fmt(s['max'], 2)} "
            f"| {len(r.hovers)} ({r.hovers_with_content}) | {fmt(r.cpu_s, 2)} | {fmt(r.peak_rss_mb, 1)} | {fmt(r.wall_s, 1)} |"
        )
    ps, pp = summary_ms(coach.syntax_error_latencies), summary_ms(coach.parsed_latencies)
    out += [
        "",
        f"Heavy native modules mapped into the Code Coach server at the end of the runs (from /proc/PID/maps): "
        f"debounce 0: {', '.join(coach.heavy) or 'none'}; default debounce: {', '.join(deb.heavy) or 'none'}. "
        f"The RSS target is ≤ 120 MB without the embedding model (tokenizers/onnxruntime), ≤ 300 MB with it: "
        f"this run is held against {rss_target(coach, deb):.0f} MB.",
        "",
        f"Debounce-0 latency by state of the text: versions that do not parse (a syntax-error diagnostic; "
        f"{ps['n']} versions) p50 {fmt(ps['p50'], 2)} / p95 {fmt(ps['p95'], 2)} ms; versions that parse "
        f"({pp['n']}) p50 {fmt(pp['p50'], 2)} / p95 {fmt(pp['p95'], 2)} ms.",
        "",
        "How it is measured: latency is from writing the didChange to the client's receipt of the "
        "publishDiagnostics carrying that version (both in the benchmark process; JSON-RPC framing and "
        "the pipe included). In debounce-0 mode the next change is sent only after that, so nothing is "
        "queued and the figure is the work per version. In debounced mode the figure is publish − change − 300 ms "
        "for the versions that were published (earlier versions are superseded while typing and never analyzed, "
        "which is the point of the debounce); missing = documents whose final text got no diagnostics. "
        "Hovers are requested at the start of up to two diagnostics of every 10th version that has any; "
        "the bare server gets the same hover requests at the same positions and answers with nothing, so its "
        "figure is the request round trip alone. The bare server with a 300 ms asyncio debounce shows what "
        "timer wake-up and scheduling on this machine add beyond the debounce with no analysis at all.",
    ]
    return "\n".join(out)


def summary_rows(results: dict) -> list[tuple[str, float, str, str]]:
    """(figure, value, target, baseline) rows for the overview table of bench/run.py."""
    coach, bare, deb, bdeb = results["coach"], results["bare"], results["debounced"], results["bare_debounced"]
    c, b, d = summary_ms(coach.latencies), summary_ms(bare.latencies), summary_ms(deb.latencies)
    bd = summary_ms(bdeb.latencies)
    h, hb = summary_ms(coach.hovers), summary_ms(bare.hovers)
    return [
        ("Latency beyond the debounce, p95 (debounce 0, every version)", c["p95"], 20.0, f"{fmt(b['p95'], 2)} ms bare pygls", "ms"),
        ("Latency beyond the 300 ms debounce, p95 (default settings)", d["p95"], 20.0,
         f"{fmt(bd['p95'], 2)} ms bare pygls with the same 300 ms debounce", "ms"),
        ("Published versions / changes (default debounce)", 100 * deb.published / deb.keystrokes if deb.keystrokes else math.nan,
         None, "100% with debounce 0", "%"),
        ("Hover p95", h["p95"], 15.0, f"{fmt(hb['p95'], 2)} ms bare pygls", "ms"),
        ("CPU per 1000 keystrokes (default debounce)", deb.cpu_ms_per_keystroke, 1.5,
         f"{fmt(bdeb.cpu_ms_per_keystroke, 2)} s bare pygls (300 ms debounce); Code Coach with debounce 0: "
         f"{fmt(coach.cpu_ms_per_keystroke, 2)} s (bare {fmt(bare.cpu_ms_per_keystroke, 2)} s)", "s"),
        (f"Peak RSS of the server (VmHWM){' — embedding model loaded' if rss_target(coach, deb) > 120 else ''}",
         max(coach.peak_rss_mb, deb.peak_rss_mb), rss_target(coach, deb),
         f"{fmt(bare.peak_rss_mb, 1)} MB bare pygls; loaded: {', '.join(sorted(set(coach.heavy) | set(deb.heavy))) or 'no heavy modules'}", "MB"),
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results, traces = asyncio.run(run_all(args.quick))
    section = render(results, traces, args.quick, [sys.argv[0], *argv], time.perf_counter() - started)
    print(section)
    output = args.output if args.output is not None else (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        write_section(output, "replay", section)
    return 0 if not any(r.error for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
