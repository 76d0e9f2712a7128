#!/usr/bin/env python3
"""Run every benchmark and write bench/RESULTS.md.

    python bench/run.py [--quick] [--output FILE] [--only NAME ...]

Sections (each between `<!-- NAME:start -->` / `<!-- NAME:end -->`; the rest
of the file is kept):

  summary    every figure beside its target and baseline (this script)
  replay     typing replay through the real server over LSP (bench/replay.py)
  analysis   analysis latency after an edit of a ~500-line file (bench/analysis_latency.py)
  coldstart  process start -> first diagnostics vs a bare pygls server (bench/coldstart.py)
  perfile    per-file time against pyflakes, ruff, pylint (bench/perfile.py)
  economy    Gemini economy: typing replay against the fake Gemini, cloud on (bench/economy.py)
  vectors    ChromaDB ingest and query, embedded and server (bench/vectors.py)
  examples   live examples: QuixBugs bugs found, false alarms, localization, overhead (bench/examples.py)
  redaction  redaction of 64 KiB adversarial text, the generated secret corpus, false
             redactions on the learner corpora (bench/redaction.py)
  web        the web front end: WebSocket overhead, 50 learners at once, dashboard first paint (bench/web.py)
  detect     detection quality (bench/detect.py, run as a subprocess)

`--quick` is a smoke-test size (< 2 minutes) used by tests/test_bench_quick.py;
its numbers are not the real ones, and it writes only with --output.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import analysis_latency  # noqa: E402
import coldstart  # noqa: E402
import economy  # noqa: E402
import examples  # noqa: E402
import perfile  # noqa: E402
import redaction  # noqa: E402
import replay  # noqa: E402
import vectors  # noqa: E402
import web  # noqa: E402
from common import (  # noqa: E402
    BENCH,
    CORPORA,
    DEFAULT_OUTPUT,
    command,
    fmt,
    git_version,
    header_lines,
    load_average,
    machine,
    now,
    read_section,
    write_section,
)

SECTIONS = ("replay", "analysis", "coldstart", "perfile", "economy", "vectors", "examples", "redaction", "web",
            "detect")
ORDER = ("summary", "replay", "analysis", "coldstart", "perfile", "economy", "vectors", "examples", "redaction", "web")
DETECT_TIMEOUT = 900


def _failed(title: str, error: BaseException, quick: bool, argv: list[str], elapsed: float) -> str:
    lines = header_lines(title, quick, argv, elapsed)
    tb = "".join(traceback.format_exception(type(error), error, error.__traceback__))[-1500:]
    return "\n".join(lines + [f"**FAILED:** `{type(error).__name__}: {error}`", "", "```", tb.rstrip(), "```"])


def run_detect(quick: bool, output: Path | None) -> tuple[str, float]:
    started = time.perf_counter()
    if not CORPORA.is_dir():
        return f"skipped: corpora not found at {CORPORA}", 0.0
    cmd = [sys.executable, str(BENCH / "detect.py"), str(CORPORA)]
    if quick:
        cmd.append("--quick")
    if output is not None:
        cmd += ["--output", str(output)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=DETECT_TIMEOUT, start_new_session=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        return f"failed (exit {proc.returncode}): {proc.stderr[-500:]}", elapsed
    return "ok", elapsed


def detect_rows(output: Path | None) -> list[tuple]:
    section = read_section(output, "detect") if output is not None else None
    if not section or "### Overall" not in section:
        return []
    overall = section.split("### Overall", 1)[1].split("###", 1)[0]
    rows = []
    for line in overall.splitlines():
        if line.startswith("| Code Coach (errors + warnings only)") or line.startswith("| pylint"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append((cells[0], cells[3], cells[4]))
    return rows


ROWS_MARK = "<!-- summary-rows "


def embed_rows(section: str, rows: list[tuple]) -> str:
    """Keep a section's overview rows inside it, so a later `--only` run can rebuild the summary."""
    clean = [[r[0], None if (isinstance(r[1], float) and math.isnan(r[1])) else r[1], list(r[2]) if isinstance(r[2], tuple) else r[2], r[3], r[4]] for r in rows]
    return section.rstrip() + "\n\n" + ROWS_MARK + json.dumps(clean, ensure_ascii=False).replace("--", "- -") + " -->"


def stored_rows(output: Path | None, name: str) -> list[tuple] | None:
    section = read_section(output, name) if output is not None else None
    if not section or ROWS_MARK not in section:
        return None
    raw = section.split(ROWS_MARK, 1)[1].rsplit("-->", 1)[0]
    try:
        rows = json.loads(raw.replace("- -", "--"))
    except ValueError:
        return None
    return [(r[0], math.nan if r[1] is None else r[1], tuple(r[2]) if isinstance(r[2], list) else r[2], r[3], r[4]) for r in rows]


def _target_text(target, unit: str) -> str:
    if target is None:
        return "–"
    if isinstance(target, tuple):
        return f"{target[0]} {fmt(target[1], 0 if target[1] >= 100 else 1)} {unit}"
    return f"≤ {fmt(target, 0 if target >= 10 or float(target).is_integer() else 2)} {unit}"


def _verdict(value: float, target) -> str:
    if target is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(target, tuple):
        return "✅ meets" if value >= target[1] else "❌ misses"
    return "✅ meets" if value <= target else "❌ misses"


def summary_section(rows: list[tuple], detect: list[tuple], quick: bool, argv: list[str], total: float,
                    load_before: str, statuses: dict[str, str]) -> str:
    out = [
        "## Speed and memory: every figure beside its target and baseline",
        "",
        f"- **Mode:** {'QUICK (smoke-test sizes) — not the real numbers' if quick else 'full'}",
        f"- **Date:** {now()}",
        f"- **Machine:** {machine()}",
        f"- **Load average** (1/5/15 min) before the run: {load_before}; after: {load_average()}. The machine has "
        "2 cores shared with other engineers' processes: figures are medians/percentiles over many samples, and "
        "every baseline ran in the same run under the same load.",
        f"- **Command:** `{command(argv)}` (from `{Path.cwd()}`), {total:.0f} s in total; code under test: {git_version()}",
        "- **Sections:** " + "; ".join(f"{name} {status}" for name, status in statuses.items()),
        "",
        "| Figure | Value | Target | Baseline (same run) | Verdict |",
        "|---|---:|---:|---|---|",
    ]
    for figure, value, target, baseline, unit in rows:
        digits = 0 if unit in ("records/s", "%", "req", "chunks", "files") else 2
        out.append(f"| {figure} | {fmt(value, digits)} {unit} | {_target_text(target, unit)} | {baseline} | {_verdict(value, target)} |")
    for label, caused, false_flag in detect:
        out.append(f"| Detection, {label}: caused by the bug / false flag on fixed programs | {caused} / {false_flag} | – | see Detection | – |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke-test sizes (< 2 minutes); writes only with --output")
    parser.add_argument("--output", type=Path, default=None, help=f"results file (default {DEFAULT_OUTPUT})")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only these sections (repeatable)")
    args = parser.parse_args(argv)
    output = args.output if args.output is not None else (None if args.quick else DEFAULT_OUTPUT)
    only = set(args.only or SECTIONS)
    full_argv = [sys.argv[0], *argv]
    load_before = load_average()
    started = time.perf_counter()
    sections: dict[str, str] = {}
    rows: list[tuple] = []
    statuses: dict[str, str] = {}

    section_rows: dict[str, list[tuple]] = {}

    def step(name: str, title: str, fn):
        if name not in only:
            kept = stored_rows(output, name)
            statuses[name] = "kept from the previous run (--only)" if kept is not None else "not run (--only)"
            section_rows[name] = kept or []
            return
        print(f"run.py: {name}...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            section, these = fn(t0)
            sections[name] = embed_rows(section, these)
            section_rows[name] = these
            statuses[name] = f"ok ({time.perf_counter() - t0:.0f} s)"
        except Exception as error:  # noqa: BLE001 - one benchmark must not sink the others
            traceback.print_exc()
            sections[name] = _failed(title, error, args.quick, full_argv, time.perf_counter() - t0)
            statuses[name] = f"FAILED ({type(error).__name__})"

    def do_replay(t0):
        results, traces = asyncio.run(replay.run_all(args.quick))
        errors = [r.error for r in results.values() if r.error]
        if errors:
            raise RuntimeError("; ".join(errors))
        return replay.render(results, traces, args.quick, full_argv, time.perf_counter() - t0), replay.summary_rows(results)

    def do_analysis(t0):
        r = analysis_latency.run(args.quick)
        return analysis_latency.render(r, args.quick, full_argv, time.perf_counter() - t0), analysis_latency.summary_rows(r)

    def do_coldstart(t0):
        runs = coldstart.QUICK_RUNS if args.quick else coldstart.FULL_RUNS
        r = asyncio.run(coldstart.run(runs))
        return coldstart.render(r, runs, args.quick, full_argv, time.perf_counter() - t0), coldstart.summary_rows(r)

    def do_perfile(t0):
        r = perfile.run(args.quick)
        return perfile.render(r, args.quick, full_argv, time.perf_counter() - t0), perfile.summary_rows(r)

    def do_economy(t0):
        r, f = economy.run(args.quick)
        return economy.render(r, f, args.quick, full_argv, time.perf_counter() - t0), economy.summary_rows(f)

    def do_vectors(t0):
        r = vectors.run(args.quick) if vectors.available() else None
        if r is not None and r["errors"] and not r["runs"]:
            raise RuntimeError("; ".join(r["errors"]))
        return vectors.render(r, args.quick, full_argv, time.perf_counter() - t0), vectors.summary_rows(r)

    def do_examples(t0):
        r = examples.run(args.quick, CORPORA / "quixbugs")
        return examples.render(r, args.quick, full_argv, time.perf_counter() - t0), examples.summary_rows(r)

    def do_redaction(t0):
        r = redaction.run(args.quick)
        return redaction.render(r, args.quick, full_argv, time.perf_counter() - t0), redaction.summary_rows(r)

    def do_web(t0):
        r = web.run(args.quick)
        return web.render(r, args.quick, full_argv, time.perf_counter() - t0), web.summary_rows(r)

    step("coldstart", "Cold start: process start → first diagnostics", do_coldstart)
    step("replay", "Typing replay over LSP (stdio)", do_replay)
    step("analysis", "Analysis latency after a single-character edit (in process)", do_analysis)
    step("perfile", "Per-file analysis time against pyflakes, ruff and pylint", do_perfile)
    step("economy", "Economy (Gemini path)", do_economy)
    step("vectors", "Vector store (ChromaDB)", do_vectors)
    step("examples", "Live examples (QuixBugs and a 100-line exercise)", do_examples)
    step("redaction", "Redaction: adversarial text, secret corpus, false redactions", do_redaction)
    step("web", "Web front end: WebSocket overhead, a classroom, dashboard first paint", do_web)
    if "detect" in only:
        print("run.py: detect (bench/detect.py)...", file=sys.stderr, flush=True)
        try:
            status, took = run_detect(args.quick, output)
            statuses["detect"] = f"{status} ({took:.0f} s, bench/detect.py)"
        except subprocess.TimeoutExpired:
            statuses["detect"] = f"FAILED (timeout after {DETECT_TIMEOUT} s)"
    else:
        statuses["detect"] = "kept from the previous run (--only)" if read_section(output, "detect") else "not run (--only)"

    # Overview rows in the order of the sections.
    order = {"replay": 0, "analysis": 1, "coldstart": 2, "perfile": 3, "economy": 4, "vectors": 5, "examples": 6,
             "redaction": 7, "web": 8}
    for name in sorted(section_rows, key=lambda k: order.get(k, 9)):
        rows.extend(section_rows[name])
    summary = summary_section(rows, detect_rows(output), args.quick, full_argv, time.perf_counter() - started,
                              load_before, {k: statuses[k] for k in sorted(statuses, key=lambda k: order.get(k, 9))})
    sections["summary"] = summary
    print(summary)
    if output is not None:
        for name in ORDER:
            if name in sections:
                write_section(output, name, sections[name])
        print(f"run.py: wrote {output}", file=sys.stderr)
    else:
        for name in ORDER[1:]:
            if name in sections:
                print("\n" + sections[name])
    return 0 if not any(s.startswith("FAILED") for s in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
