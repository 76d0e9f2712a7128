#!/usr/bin/env python3
"""Cold start: process start -> first publishDiagnostics, Code Coach next to a bare pygls server.

    python bench/coldstart.py [--quick] [--runs N] [--output bench/RESULTS.md]

Each run spawns the server (`python -m codecoach serve`, or bench/bare_server.py),
sends initialize, waits for its reply (as an editor does), sends initialized
and didOpen of examples/grades.py, and stops the clock when the first
publishDiagnostics arrives. The two servers alternate run by run so both see
the same machine load; the median is reported (2 cores, other processes
running), with the min and max. Peak RSS (VmHWM) is read at that moment.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_OUTPUT, EXAMPLES, fmt, header_lines, verdict, write_section  # noqa: E402
from lsp_session import BARE, CODECOACH, Session  # noqa: E402

FULL_RUNS = 15
QUICK_RUNS = 3
TIMEOUT = 30.0


async def one(command: list[str], text: str) -> tuple[float, float, float]:
    """(spawn -> initialize reply, spawn -> first diagnostics, peak RSS MB)."""
    session = Session(command)
    uri = "file:///tmp/codecoach-cold/grades.py"
    try:
        init = await session.start({})
        fut = session.expect(uri, 1)
        session.open(uri, text, 1)
        arrived = await asyncio.wait_for(fut, TIMEOUT)
        return init, arrived - session.started_at, session.peak_rss_mb()
    finally:
        await session.stop()


async def run(runs: int) -> dict:
    path = EXAMPLES / "grades.py"
    text = path.read_text(encoding="utf-8") if path.is_file() else "x = 1\nif x is 1:\n    print(x)\n"
    await one(BARE, text)  # warm the OS file cache for both, untimed
    await one(CODECOACH, text)
    results: dict[str, list[tuple[float, float, float]]] = {"coach": [], "bare": []}
    for _ in range(runs):
        results["bare"].append(await one(BARE, text))
        results["coach"].append(await one(CODECOACH, text))
    return results


def stats(rows: list[tuple[float, float, float]], index: int) -> tuple[float, float, float]:
    values = [r[index] for r in rows]
    return statistics.median(values), min(values), max(values)


def render(results: dict, runs: int, quick: bool, argv: list[str], elapsed: float) -> str:
    out = header_lines("Cold start: process start → first diagnostics", quick, argv, elapsed)
    c_first, b_first = stats(results["coach"], 1), stats(results["bare"], 1)
    c_init, b_init = stats(results["coach"], 0), stats(results["bare"], 0)
    c_rss, b_rss = stats(results["coach"], 2), stats(results["bare"], 2)
    ratio = c_first[0] / b_first[0]
    out += [
        f"{runs} runs of each, alternating, after one untimed warm-up of each; median (min–max). "
        "Spawn → initialize reply → initialized + didOpen(examples/grades.py) → first publishDiagnostics, "
        "measured by pygls' client in the benchmark process.",
        "",
        "| Figure | Code Coach | Baseline: bare pygls server | Ratio | Target | Verdict |",
        "|---|---:|---:|---:|---:|---|",
        f"| Spawn → first diagnostics (ms) | **{fmt(c_first[0] * 1000, 0)}** ({fmt(c_first[1] * 1000, 0)}–{fmt(c_first[2] * 1000, 0)}) "
        f"| {fmt(b_first[0] * 1000, 0)} ({fmt(b_first[1] * 1000, 0)}–{fmt(b_first[2] * 1000, 0)}) | **{ratio:.2f}×** | ≤ 1.30× | {verdict(ratio, 1.3)} |",
        f"| Spawn → initialize reply (ms) | {fmt(c_init[0] * 1000, 0)} | {fmt(b_init[0] * 1000, 0)} | {c_init[0] / b_init[0]:.2f}× | – | – |",
        f"| Peak RSS at first diagnostics (MB) | {fmt(c_rss[0], 1)} | {fmt(b_rss[0], 1)} | {c_rss[0] / b_rss[0]:.2f}× | ≤ 120 MB | {verdict(c_rss[0], 120)} |",
    ]
    return "\n".join(out)


def summary_rows(results: dict) -> list[tuple]:
    c_first, b_first = stats(results["coach"], 1), stats(results["bare"], 1)
    return [
        ("Cold start: spawn → first diagnostics, ratio to bare pygls (median)", c_first[0] / b_first[0], 1.3,
         f"bare pygls {fmt(b_first[0] * 1000, 0)} ms; Code Coach {fmt(c_first[0] * 1000, 0)} ms", "×"),
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else FULL_RUNS)
    started = time.perf_counter()
    results = asyncio.run(run(runs))
    section = render(results, runs, args.quick, [sys.argv[0], *argv], time.perf_counter() - started)
    print(section)
    output = args.output if args.output is not None else (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        write_section(output, "coldstart", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
