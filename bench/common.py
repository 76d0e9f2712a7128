"""Shared helpers for the speed/memory benchmarks: statistics, /proc readers,
machine description, and writing one marked section of RESULTS.md.

No third-party imports here: every benchmark can load it cheaply.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
DEFAULT_OUTPUT = BENCH / "RESULTS.md"
# The shared corpora sit beside the repository; CODECOACH_CORPORA points elsewhere (a git worktree
# lives one level deeper than the main checkout).
CORPORA = Path(os.environ.get("CODECOACH_CORPORA") or REPO.parent / "shared" / "corpora")
EXAMPLES = REPO / "examples"
VENV_BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

if str(REPO / "server") not in sys.path:
    sys.path.insert(0, str(REPO / "server"))


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100); nan for no data."""
    if not values:
        return math.nan
    data = sorted(values)
    if len(data) == 1:
        return float(data[0])
    pos = (len(data) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return float(data[lo] + (data[hi] - data[lo]) * (pos - lo))


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}{unit}"


def summary_ms(values_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/max in milliseconds of durations given in seconds."""
    ms = [v * 1000 for v in values_s]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "max": max(ms) if ms else math.nan,
        "mean": sum(ms) / len(ms) if ms else math.nan,
    }


# --------------------------------------------------------------------------- /proc


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (not its children), from /proc/PID/stat."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    # The command name is in parentheses and may contain spaces: split after it.
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of stat(5)
    return (utime + stime) / CLK_TCK


def proc_status_kb(pid: int, key: str) -> int | None:
    """A kB field of /proc/PID/status (VmHWM = peak RSS, VmRSS = current RSS)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def kill_group(proc: subprocess.Popen | None, grace: float = 3.0) -> None:
    """Stop a process started with start_new_session=True, and everything it started."""
    if proc is None:
        return
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        pgid = None
    if proc.poll() is None and pgid is not None:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    if pgid is not None:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass


def kill_pid_group(pid: int) -> None:
    """SIGKILL the process group led by pid (started with start_new_session=True), if any is left."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --------------------------------------------------------------------------- machine


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def cores() -> str:
    logical = os.cpu_count() or 1
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = logical
    return f"{usable} usable / {logical} logical cores"


def ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    return "RAM unknown"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
    except OSError:
        return "unknown"


def machine() -> str:
    return (
        f"{cpu_model()}, {cores()}, {ram()}, Python {platform.python_version()} "
        f"on {platform.system()} {platform.release()}"
    )


def now() -> str:
    return _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def command(argv: Sequence[str]) -> str:
    exe = Path(sys.executable)
    try:
        exe_s = os.path.relpath(exe, Path.cwd()) if exe.is_relative_to(Path.cwd()) else str(exe)
    except ValueError:
        exe_s = str(exe)
    return shlex.join([exe_s, *argv])


def git_version() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "server"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()
        return f"git {rev}{'+dirty' if dirty else ''}" if rev else "git unknown"
    except (OSError, subprocess.SubprocessError):
        return "git unknown"


# --------------------------------------------------------------------------- RESULTS.md


def marks(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(path: Path, name: str, section: str, before: str | None = "detect") -> None:
    """Replace the `name` section of the results file, keeping everything else.

    A section that is not there yet goes before the `before` section (so the
    speed sections come ahead of the detection tables), or at the end.
    """
    start_mark, end_mark = marks(name)
    block = f"{start_mark}\n{section.rstrip()}\n{end_mark}"
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = "# Code Coach benchmark results\n\nWritten by the scripts in `bench/` (see bench/README.md).\n"
    start, end = current.find(start_mark), current.find(end_mark)
    if start != -1 and end != -1 and end > start:
        new = current[:start] + block + current[end + len(end_mark) :]
    else:
        anchor = current.find(marks(before)[0]) if before else -1
        if anchor != -1:
            new = current[:anchor] + block + "\n\n" + current[anchor:]
        else:
            new = current.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)


def read_section(path: Path, name: str) -> str | None:
    start_mark, end_mark = marks(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    start, end = text.find(start_mark), text.find(end_mark)
    if start == -1 or end == -1:
        return None
    return text[start + len(start_mark) : end].strip()


def header_lines(title: str, mode_quick: bool, argv: Sequence[str], elapsed_s: float) -> list[str]:
    return [
        f"## {title}",
        "",
        f"- **Mode:** {'QUICK (small smoke-test sizes) — not the real numbers' if mode_quick else 'full'}",
        f"- **Date:** {now()}",
        f"- **Machine:** {machine()}; load average before the run {load_average()}",
        f"- **Command:** `{command(argv)}` (from `{Path.cwd()}`), {elapsed_s:.1f} s for this section",
        "",
    ]


def verdict(value: float | None, target: float, lower_is_better: bool = True) -> str:
    if value is None or math.isnan(value):
        return "–"
    ok = value <= target if lower_is_better else value >= target
    return "✅ meets" if ok else "❌ misses"


def monotonic() -> float:
    return time.perf_counter()


def section_main(name: str, doc: str, produce, argv: list[str] | None = None) -> int:
    """The standalone command line every section shares: `[--quick] [--output FILE]`.

    `produce(quick, command)` measures and returns (markdown section, exit code); the
    section is printed and, unless quick without --output, written to RESULTS.md.
    """
    import argparse
    import sys
    import time

    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    section, status = produce(args.quick, [sys.argv[0], *argv], started)
    print(section)
    output = args.output if args.output is not None else (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        write_section(output, name, section)
    return status
