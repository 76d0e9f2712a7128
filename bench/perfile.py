#!/usr/bin/env python3
"""Per-file analysis time: Code Coach against pyflakes, ruff and pylint, same files, same run.

    python bench/perfile.py [--quick] [--output bench/RESULTS.md]

Fairness: the other tools are command-line programs, so Code Coach is timed
the same way too — `codecoach analyze FILE` as a subprocess, one process per
file, interpreter start included — and also in process (what the language
server does after start-up: a fresh `Analyzer` per file, imports already
paid), next to pyflakes in process. A batch row per tool runs all the files
in one process (start-up paid once). The tools run file by file in rotating
order so they share the machine's load; medians are reported (2 cores, other
engineers' processes running).

Files: the examples/ programs and a seeded sample of buggy programs from
../shared/corpora, copied byte for byte to a temporary folder (unique names,
no config files around them). ruff runs `--no-cache --isolated` with its
default rules; pylint runs errors + warnings (`--disable=all --enable=E,W`,
as bench/detect.py does); pyflakes with its defaults.
"""

from __future__ import annotations

import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CORPORA,
    EXAMPLES,
    VENV_BIN,
    fmt,
    header_lines,
    percentile,
    section_main,
)

FULL_PER_CORPUS = 15
QUICK_PER_CORPUS = 1
TIMEOUT = 120


def pick_files(per_corpus: int, seed: int = 5) -> list[Path]:
    files = sorted(EXAMPLES.glob("*.py"))
    rng = random.Random(seed)
    if CORPORA.is_dir():
        for corpus in sorted(p for p in CORPORA.iterdir() if p.is_dir()):
            buggy = sorted(corpus.glob("*/buggy.py"))
            rng.shuffle(buggy)
            files.extend(buggy[:per_corpus])
    return files


def _ruff() -> list[str] | None:
    exe = VENV_BIN / "ruff"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("ruff")
    return [found] if found else None


def _module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def tools() -> dict[str, list[str] | None]:
    py = sys.executable
    ruff = _ruff()
    return {
        "Code Coach (`codecoach analyze`)": [py, "-m", "codecoach", "analyze", "--no-run"],
        "pyflakes": [py, "-m", "pyflakes"] if _module("pyflakes") else None,
        "ruff (default rules)": [*ruff, "check", "--no-cache", "--isolated", "--quiet", "--exit-zero"] if ruff else None,
        "pylint (errors + warnings)": [py, "-m", "pylint", "--disable=all", "--enable=E,W", "--score=n",
                                       "--persistent=n", "--exit-zero"] if _module("pylint") else None,
    }


def timed_run(cmd: list[str], cwd: Path) -> tuple[float, float, bool]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=TIMEOUT, start_new_session=True)
        ok = proc.returncode in (0, 1)  # linters exit 1 when they found something
    except subprocess.TimeoutExpired:
        ok = False
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, ok


def run(quick: bool) -> dict:
    from pyflakes import api as flakes_api
    from pyflakes import reporter as flakes_reporter

    from codecoach.analysis.engine import Analyzer

    files = pick_files(QUICK_PER_CORPUS if quick else FULL_PER_CORPUS)
    commands = tools()
    per_file: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    failures: dict[str, int] = {name: 0 for name in commands}
    batch: dict[str, tuple[float, float, bool]] = {}
    inproc: dict[str, list[float]] = {"Code Coach in process (fresh `Analyzer`)": [], "pyflakes in process (`pyflakes.api.check`)": []}
    lines = 0
    with tempfile.TemporaryDirectory(prefix="codecoach-perfile-") as tmp_s:
        tmp = Path(tmp_s)
        copies = []
        for i, path in enumerate(files):
            safe = re.sub(r"\W", "_", f"{path.parent.parent.name}_{path.parent.name}_{path.stem}")
            copy = tmp / f"f{i:03d}_{safe}.py"
            shutil.copyfile(path, copy)
            copies.append(copy)
            lines += path.read_text(encoding="utf-8", errors="replace").count("\n")
        names = [n for n, c in commands.items() if c is not None]
        # Warm the OS caches once for every tool, untimed.
        for name in names:
            timed_run([*commands[name], str(copies[0])], tmp)
        for i, copy in enumerate(copies):
            order = names[i % len(names):] + names[: i % len(names)]
            for name in order:
                wall, cpu, ok = timed_run([*commands[name], str(copy)], tmp)
                per_file[name].append((wall, cpu))
                failures[name] += not ok
            text = copy.read_text(encoding="utf-8", errors="replace")
            started = time.perf_counter()
            Analyzer().analyze(text)
            inproc["Code Coach in process (fresh `Analyzer`)"].append(time.perf_counter() - started)
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import io

                flakes_api.check(text, str(copy), flakes_reporter.Reporter(io.StringIO(), io.StringIO()))
            inproc["pyflakes in process (`pyflakes.api.check`)"].append(time.perf_counter() - started)
        for name in names:
            batch[name] = timed_run([*commands[name], *map(str, copies)], tmp)
    return {
        "files": files, "lines": lines, "commands": commands, "per_file": per_file, "failures": failures,
        "batch": batch, "inproc": inproc,
    }


def versions() -> dict[str, str]:
    out = {}
    for name, cmd in (("pyflakes", [sys.executable, "-m", "pyflakes", "--version"]),
                      ("ruff", [*(_ruff() or ["ruff"]), "--version"]),
                      ("pylint", [sys.executable, "-m", "pylint", "--version"])):
        try:
            text = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
            out[name] = text.splitlines()[0] if text else "?"
        except (OSError, subprocess.SubprocessError):
            out[name] = "not installed"
    return out


def render(r: dict, quick: bool, argv: list[str], elapsed: float) -> str:
    n = len(r["files"])
    out = header_lines("Per-file analysis time against pyflakes, ruff and pylint", quick, argv, elapsed)
    v = versions()
    out += [
        f"- **Files:** {n} ({len(list(EXAMPLES.glob('*.py')))} examples + buggy programs sampled from the corpora), "
        f"{r['lines']} lines in all ({r['lines'] / max(n, 1):.0f} per file on average).",
        f"- **Versions:** {v['pyflakes']}; {v['ruff']}; {v['pylint'].replace(chr(10), ' ')}.",
        "- **Fair comparison:** every tool (Code Coach included) is timed as one subprocess per file, interpreter "
        "start-up included, in rotating order; Code Coach's in-process time (what the running server pays) is shown "
        "beside pyflakes' in-process time. Batch = all files in one process.",
        "",
        "| Tool | One process per file: median (ms) | p95 (ms) | CPU median (ms) | Batch of all files: wall (ms) | Batch: CPU (ms) | Batch: ms per file | Failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, cmd in r["commands"].items():
        if cmd is None:
            out.append(f"| {name} | **not installed** | – | – | – | – | – | – |")
            continue
        walls = [w * 1000 for w, _ in r["per_file"][name]]
        cpus = [c * 1000 for _, c in r["per_file"][name]]
        bw, bc, bok = r["batch"][name]
        out.append(
            f"| {name} | {fmt(percentile(walls, 50), 1)} | {fmt(percentile(walls, 95), 1)} | {fmt(percentile(cpus, 50), 1)} "
            f"| {fmt(bw * 1000, 0)}{'' if bok else ' (failed)'} | {fmt(bc * 1000, 0)} | {fmt(bw * 1000 / n, 1)} | {r['failures'][name]} |"
        )
    for name, values in r["inproc"].items():
        ms = [x * 1000 for x in values]
        out.append(
            f"| {name} | {fmt(percentile(ms, 50), 2)} | {fmt(percentile(ms, 95), 2)} | – | {fmt(sum(ms), 0)} "
            f"| – | {fmt(sum(ms) / n, 2)} | – |"
        )
    out += [
        "",
        "Subprocess times are dominated by interpreter start-up and imports for the Python tools (ruff is a "
        "native binary); the in-process rows are the analysis alone. No target is set for this table; it is the "
        "baseline comparison asked for by issue 7.",
    ]
    return "\n".join(out)


def summary_rows(r: dict) -> list[tuple]:
    rows = []
    coach = [w * 1000 for w, _ in r["per_file"]["Code Coach (`codecoach analyze`)"]]
    inproc = [x * 1000 for x in r["inproc"]["Code Coach in process (fresh `Analyzer`)"]]
    base = []
    for name in ("pyflakes", "ruff (default rules)", "pylint (errors + warnings)"):
        vals = r["per_file"].get(name) or []
        if vals:
            base.append(f"{name.split(' ')[0]} {fmt(percentile([w * 1000 for w, _ in vals], 50), 0)} ms")
    rows.append(("Per-file analysis, one subprocess per file (median)", percentile(coach, 50), None, "; ".join(base), "ms"))
    flakes = [x * 1000 for x in r["inproc"]["pyflakes in process (`pyflakes.api.check`)"]]
    rows.append(("Per-file analysis in process (median)", percentile(inproc, 50), None,
                 f"pyflakes in process {fmt(percentile(flakes, 50), 2)} ms", "ms"))
    return rows


def main(argv: list[str] | None = None) -> int:
    def produce(quick: bool, command: list[str], started: float) -> tuple[str, int]:
        r = run(quick)
        return render(r, quick, command, time.perf_counter() - started), 0

    return section_main("perfile", __doc__, produce, argv)


if __name__ == "__main__":
    sys.exit(main())
