#!/usr/bin/env python3
"""Detection benchmark: do the checkers flag real novice bugs, and only them?

    python bench/detect.py CORPUS_DIR [--quick] [--output bench/RESULTS.md]

CORPUS_DIR holds corpora (``quixbugs/``, ``condefects/``), each with one folder
per program: ``buggy.py``, ``fixed.py``, ``meta.json`` (``buggy_lines``, 1-based).
It may also point directly at one corpus. The corpus is read in place; the
subprocess tools get byte-identical copies in a temporary directory (unique
file names, so pylint does not confuse forty modules all called ``buggy``).

Tools, all in the same run: Code Coach's offline analyzer (in process),
pyflakes (in process, as a library), ruff (default rules, and ``--select ALL``
as a noisy reference), pylint (errors and warnings, batches in parallel).
A tool that is not installed gets a "not installed" row instead of a crash;
a tool that crashes on a file counts that file as failed, not as clean.

Metrics, per corpus and overall (a diagnostic's line is its *start* line):
  hit        buggy programs with a diagnostic on a buggy line / on a buggy line +-1
  caused     buggy programs with a diagnostic within +-1 of a buggy line that
             the fix made go away: the fixed program has neither the same code
             on a line with the same text, nor the same code on the line(s) a
             line diff maps the diagnostic's line to
  false flag fixed programs with any diagnostic

Writes the "## Detection" section of the results file between
``<!-- detect:start -->`` and ``<!-- detect:end -->``, keeping the rest.
``--quick`` runs a small deterministic subset and writes only with --output.
"""

from __future__ import annotations

import argparse
import ast
import datetime as _dt
import difflib
import importlib.util
import io
import json
import math
import os
import platform
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "bench" / "RESULTS.md"
START_MARK = "<!-- detect:start -->"
END_MARK = "<!-- detect:end -->"
QUICK_PER_CORPUS = 10
PYLINT_BATCH = 40
PYLINT_TIMEOUT_S = 900
RUFF_TIMEOUT_S = 300
OVERALL = "overall"

# Benchmark the repository's own code even when run by another interpreter.
if str(REPO / "server") not in sys.path:
    sys.path.insert(0, str(REPO / "server"))
if str(REPO / "bench") not in sys.path:
    sys.path.insert(0, str(REPO / "bench"))

from common import cores, cpu_model  # noqa: E402  (one description of the machine for every section)

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Diag:
    code: str
    line: int  # 1-based start line
    severity: str = ""  # lower-case name where the tool has one


@dataclass
class Program:
    corpus: str
    id: str
    buggy_path: Path
    fixed_path: Path
    buggy_lines: tuple[int, ...]
    buggy_text: str = ""
    fixed_text: str = ""
    buggy_syntax_ok: bool = True
    fixed_syntax_ok: bool = True

    def key(self, variant: str) -> tuple[str, str, str]:
        return (self.corpus, self.id, variant)

    def text(self, variant: str) -> str:
        return self.buggy_text if variant == "buggy" else self.fixed_text

    def path(self, variant: str) -> Path:
        return self.buggy_path if variant == "buggy" else self.fixed_path


VARIANTS = ("buggy", "fixed")
Key = tuple[str, str, str]


@dataclass
class ToolRun:
    label: str  # row label
    status: str = "ok"  # ok | not installed | failed
    version: str = ""
    diags: dict[Key, list[Diag]] = field(default_factory=dict)
    failed: set[Key] = field(default_factory=set)  # files the tool crashed on
    wall_s: float = 0.0
    cpu_s: float = 0.0
    files: int = 0
    note: str = ""
    timed: bool = True  # False for views derived from another row's run

    @property
    def ran(self) -> bool:
        return self.status == "ok"


@dataclass
class FileJob:
    key: Key
    path: Path  # the original file
    copy: Path  # byte-identical copy with a unique name (for subprocess tools)
    text: str


# --------------------------------------------------------------------------- corpus


def _read_text(path: Path, encoding: str) -> str:
    data = path.read_bytes()
    try:
        text = data.decode(encoding or "utf-8")
    except (LookupError, UnicodeDecodeError):
        text = data.decode("utf-8", "replace")
    return text.lstrip("\ufeff")


def _parses(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def _is_program_dir(path: Path) -> bool:
    return (path / "buggy.py").is_file() and (path / "fixed.py").is_file()


def load_corpora(root: Path) -> dict[str, list[Program]]:
    """corpus name -> programs, sorted by id. Accepts the parent or one corpus."""
    root = root.resolve()
    if not root.is_dir():
        raise SystemExit(f"detect.py: corpus directory not found: {root}")
    children = sorted(p for p in root.iterdir() if p.is_dir())
    if any(_is_program_dir(p) for p in children):
        corpus_dirs = [root]
    else:
        corpus_dirs = [
            p
            for p in children
            if any(_is_program_dir(q) for q in p.iterdir() if q.is_dir())
        ]
    corpora: dict[str, list[Program]] = {}
    for corpus_dir in corpus_dirs:
        for prog_dir in sorted(p for p in corpus_dir.iterdir() if p.is_dir()):
            if not _is_program_dir(prog_dir):
                continue
            meta: dict = {}
            if (prog_dir / "meta.json").is_file():
                try:
                    meta = json.loads(
                        (prog_dir / "meta.json").read_text(encoding="utf-8")
                    )
                except (OSError, ValueError):
                    meta = {}
            corpus = str(meta.get("corpus") or corpus_dir.name)
            lines = meta.get("buggy_lines")
            if not lines:  # fall back on the dataset's own fault location (ConDefects)
                lines = meta.get("reported_fault_lines") or []
            try:
                buggy_lines = tuple(sorted({int(n) for n in lines}))
            except (TypeError, ValueError):
                buggy_lines = ()
            prog = Program(
                corpus=corpus,
                id=str(meta.get("id") or prog_dir.name),
                buggy_path=prog_dir / "buggy.py",
                fixed_path=prog_dir / "fixed.py",
                buggy_lines=buggy_lines,
            )
            prog.buggy_text = _read_text(
                prog.buggy_path, (meta.get("buggy_text_info") or {}).get("encoding", "")
            )
            prog.fixed_text = _read_text(
                prog.fixed_path, (meta.get("fixed_text_info") or {}).get("encoding", "")
            )
            prog.buggy_syntax_ok = _parses(prog.buggy_text)
            prog.fixed_syntax_ok = _parses(prog.fixed_text)
            corpora.setdefault(corpus, []).append(prog)
    if not corpora:
        raise SystemExit(
            f"detect.py: no program folders (buggy.py + fixed.py) under {root}"
        )
    for progs in corpora.values():
        progs.sort(key=lambda p: p.id)
    return corpora


def quick_subset(programs: list[Program], n: int = QUICK_PER_CORPUS) -> list[Program]:
    """n programs spread evenly over the sorted list: deterministic, not just the 'a's."""
    if len(programs) <= n:
        return list(programs)
    step = len(programs) / n
    return [programs[int(i * step)] for i in range(n)]


def _lines(text: str) -> list[str]:
    # The line breaks Python's tokenizer knows (str.splitlines also breaks on \f, \x1c, ...).
    return re.split(r"\r\n|\r|\n", text)


# --------------------------------------------------------------------------- tools


def _rusage_children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=REPO,
            check=False,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def run_codecoach(jobs: list[FileJob], disabled: set[str]) -> ToolRun:
    run = ToolRun("Code Coach (all findings)")
    if "codecoach" in disabled:
        run.status, run.note = "not installed", "disabled with --disable"
        return run
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        import codecoach
        from codecoach.analysis.engine import Analyzer
    except Exception as error:  # noqa: BLE001 - a broken package is a row, not a crash
        run.status = "not installed" if isinstance(error, ImportError) else "failed"
        run.note = f"import failed: {type(error).__name__}: {error}"
        return run
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = "+dirty" if _git("status", "--porcelain", "--", "server") else ""
    run.version = (
        f"{getattr(codecoach, '__version__', '?')} (git {commit or '?'}{dirty})"
    )
    errors: list[str] = []
    for job in jobs:
        try:
            # A fresh analyzer per file: no chunk cache shared between a buggy
            # program and its fix (the editor would have it; ruff runs --no-cache).
            findings = Analyzer().analyze(job.text).findings
            run.diags[job.key] = [
                Diag(
                    f.rule_id,
                    f.span.start.line + 1,
                    getattr(f.severity, "name", str(f.severity)).lower(),
                )
                for f in findings
            ]
        except Exception as error:  # noqa: BLE001 - rules are in flux; count, don't die
            run.failed.add(job.key)
            errors.append(f"{'/'.join(job.key)}: {type(error).__name__}: {error}")
    run.wall_s = time.perf_counter() - t0
    run.cpu_s = time.process_time() - c0
    run.files = len(jobs)
    run.note = "in process, import included"
    if errors:
        run.note += f"; crashed on {len(errors)} files, first: {errors[0][:160]}"
    return run


def codecoach_errors_warnings(full: ToolRun) -> ToolRun:
    """The same run, keeping what shows as a squiggle by default (not information/hint)."""
    view = ToolRun(
        "Code Coach (errors + warnings only)",
        status=full.status,
        version=full.version,
        failed=set(full.failed),
        timed=False,
        note="same run as the row above, information/hint findings dropped",
    )
    view.diags = {
        k: [d for d in v if d.severity in ("error", "warning")]
        for k, v in full.diags.items()
    }
    return view


def run_pyflakes(jobs: list[FileJob], disabled: set[str]) -> ToolRun:
    run = ToolRun("pyflakes")
    if "pyflakes" in disabled or not _module_available("pyflakes"):
        run.status = "not installed"
        run.note = "disabled with --disable" if "pyflakes" in disabled else ""
        return run
    t0, c0 = time.perf_counter(), time.process_time()
    import pyflakes
    from pyflakes import api, reporter

    run.version = pyflakes.__version__

    class Collect(reporter.Reporter):
        def __init__(self) -> None:
            super().__init__(io.StringIO(), io.StringIO())
            self.diags: list[Diag] = []
            self.crashed = False

        def unexpectedError(self, filename, msg):  # pyflakes API names
            self.crashed = True

        def syntaxError(self, filename, msg, lineno, offset, text):
            self.diags.append(Diag("SyntaxError", int(lineno or 1), "error"))

        def flake(self, message):
            self.diags.append(
                Diag(type(message).__name__, int(message.lineno), "warning")
            )

    for job in jobs:
        rep = Collect()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                api.check(job.text, str(job.path), rep)
        except Exception:  # noqa: BLE001
            rep.crashed = True
        if rep.crashed:
            run.failed.add(job.key)
        else:
            run.diags[job.key] = rep.diags
    run.wall_s = time.perf_counter() - t0
    run.cpu_s = time.process_time() - c0
    run.files = len(jobs)
    run.note = "in process (pyflakes.api.check), import included"
    return run


def _ruff_command() -> list[str] | None:
    if _module_available("ruff"):
        return [sys.executable, "-m", "ruff"]
    beside = Path(sys.executable).with_name("ruff")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("ruff")
    return [found] if found else None


RUFF_CLASSIC = (
    "E4,E7,E9,F"  # ruff's long-standing default: pyflakes + pycodestyle E4/E7/E9
)
RUFF_LABELS = {
    "": "ruff (default rules)",
    RUFF_CLASSIC: f"ruff --select {RUFF_CLASSIC} (classic default)",
    "ALL": "ruff --select ALL (noisy reference)",
}


def run_ruff(jobs: list[FileJob], disabled: set[str], select: str = "") -> ToolRun:
    run = ToolRun(RUFF_LABELS.get(select, f"ruff --select {select}"))
    cmd = None if "ruff" in disabled else _ruff_command()
    if cmd is None:
        run.status = "not installed"
        run.note = "disabled with --disable" if "ruff" in disabled else ""
        return run
    try:
        version = subprocess.run(
            [*cmd, "--version"], check=False, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError) as error:
        run.status, run.note = "not installed", f"{type(error).__name__}: {error}"
        return run
    if version.returncode != 0:
        run.status, run.note = (
            "not installed",
            (version.stderr or version.stdout).strip()[:200],
        )
        return run
    run.version = version.stdout.strip().removeprefix("ruff ").strip()
    by_name = {job.copy.name: job.key for job in jobs}
    args = [
        *cmd,
        "check",
        "--output-format",
        "json",
        "--no-cache",
        "--isolated",
        "--exit-zero",
    ]
    if select:
        args += ["--select", select]
    t0, c0 = time.perf_counter(), _rusage_children_cpu()
    try:
        out = subprocess.run(
            [*args, *(str(job.copy) for job in jobs)],
            check=False,
            capture_output=True,
            text=True,
            timeout=RUFF_TIMEOUT_S,
            cwd=jobs[0].copy.parent if jobs else None,
        )
        items = json.loads(out.stdout or "[]")
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        run.status, run.note = "failed", f"{type(error).__name__}: {str(error)[:200]}"
        run.failed = {job.key for job in jobs}
        return run
    finally:
        run.wall_s = time.perf_counter() - t0
        run.cpu_s = _rusage_children_cpu() - c0
    run.diags = {job.key: [] for job in jobs}
    for item in items:
        key = by_name.get(Path(item.get("filename", "")).name)
        if key is None:
            continue
        row = (item.get("location") or {}).get("row") or 1
        run.diags[key].append(
            Diag(
                item.get("code") or "invalid-syntax",
                int(row),
                str(item.get("severity") or ""),
            )
        )
    run.files = len(jobs)
    run.note = "one subprocess, --no-cache --isolated" + (
        ", every rule (style included)" if select == "ALL" else ""
    )
    return run


PYLINT_DISABLED = ("import-error", "no-name-in-module")


def run_pylint(jobs: list[FileJob], disabled: set[str], workers: int) -> ToolRun:
    run = ToolRun("pylint (errors + warnings)")
    if "pylint" in disabled or not _module_available("pylint"):
        run.status = "not installed"
        run.note = "disabled with --disable" if "pylint" in disabled else ""
        return run
    cmd = [sys.executable, "-m", "pylint"]
    try:
        version = subprocess.run(
            [*cmd, "--version"],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        run.version = (
            version.stdout.splitlines()[0].removeprefix("pylint ").strip()
            if version.stdout
            else "?"
        )
    except (OSError, subprocess.SubprocessError, IndexError) as error:
        run.status, run.note = "not installed", f"{type(error).__name__}: {error}"
        return run
    if not jobs:
        return run
    workdir = jobs[0].copy.parent
    rcfile = workdir / "_empty_pylintrc"
    rcfile.write_text("[MAIN]\n", encoding="utf-8")
    args = [
        *cmd,
        "--output-format=json",
        f"--rcfile={rcfile}",
        "--persistent=n",
        "--score=n",
        "--jobs=1",
        "--disable=all",
        "--enable=E,W",
        "--disable=" + ",".join(PYLINT_DISABLED),
    ]
    by_name = {job.copy.name: job.key for job in jobs}
    batch_size = max(1, min(PYLINT_BATCH, math.ceil(len(jobs) / max(1, workers))))
    batches = [jobs[i : i + batch_size] for i in range(0, len(jobs), batch_size)]
    problems: list[str] = []

    def one(batch: list[FileJob]) -> tuple[list[FileJob], list[dict] | None, str]:
        try:
            out = subprocess.run(
                [*args, *(job.copy.name for job in batch)],
                check=False,
                capture_output=True,
                text=True,
                timeout=PYLINT_TIMEOUT_S,
                cwd=workdir,
            )
            return batch, json.loads(out.stdout or "[]"), ""
        except (OSError, subprocess.SubprocessError, ValueError) as error:
            return batch, None, f"{type(error).__name__}: {str(error)[:200]}"

    t0, c0 = time.perf_counter(), _rusage_children_cpu()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, batches))
    run.wall_s = time.perf_counter() - t0
    run.cpu_s = _rusage_children_cpu() - c0
    for batch, items, problem in results:
        if items is None:
            run.failed.update(job.key for job in batch)
            problems.append(problem)
            continue
        for job in batch:
            run.diags[job.key] = []
        for item in items:
            key = by_name.get(Path(item.get("path", "")).name)
            if key is None:
                continue
            code = f"{item.get('message-id', '?')} {item.get('symbol', '')}".strip()
            run.diags[key].append(
                Diag(code, int(item.get("line") or 1), str(item.get("type") or ""))
            )
    run.files = len(jobs)
    run.note = (
        f"{len(batches)} batches of <= {batch_size} files, {max(1, workers)} in parallel; "
        f"{', '.join(PYLINT_DISABLED)} off (they report the environment, not the code)"
    )
    if problems:
        run.note += f"; {len(problems)} batches failed, first: {problems[0]}"
    return run


# --------------------------------------------------------------------------- metrics


@dataclass
class Scores:
    programs: int = 0
    evaluated: int = 0  # programs where the tool ran on both files
    hit_exact: int = 0
    hit_near: int = 0
    caused: int = 0
    fixed_flagged: int = 0
    fixed_diags: int = 0
    failed: int = 0


def _near(line: int, bug_lines: Iterable[int], radius: int) -> bool:
    return any(abs(line - b) <= radius for b in bug_lines)


def _diag_key(d: Diag, lines: list[str]) -> tuple[str, str]:
    text = lines[d.line - 1].strip() if 0 < d.line <= len(lines) else ""
    return (d.code, text)


def line_map(
    buggy_lines: list[str], fixed_lines: list[str]
) -> Callable[[int], tuple[int, int]]:
    """1-based buggy line -> the 1-based range of fixed lines it became (a line diff)."""
    ops = difflib.SequenceMatcher(
        None,
        [x.strip() for x in buggy_lines],
        [x.strip() for x in fixed_lines],
        autojunk=False,
    ).get_opcodes()

    def where(line: int) -> tuple[int, int]:
        i = line - 1
        for tag, i1, i2, j1, j2 in ops:
            if i1 <= i < i2:  # inserts (i1 == i2) hold no buggy line
                if tag == "equal":
                    return (j1 + (i - i1) + 1,) * 2
                if tag == "replace":
                    return (j1 + 1, j2)
                return (j1, j1 + 1)  # deleted: the lines around the spot it was
        return (len(fixed_lines),) * 2

    return where


def caused_by_bug(prog: Program, buggy: list[Diag], fixed: list[Diag]) -> list[Diag]:
    """Diagnostics within +-1 of a buggy line that the fix made go away.

    Lines shift and change between the two programs. A fixed-program
    diagnostic accounts for (at most) one buggy-program diagnostic with
    - the same code on a line with the same stripped text, else
    - the same code on the line(s) a line diff maps the buggy line to (the
      bug's line was edited but the diagnostic, e.g. a style one, stayed).
    Buggy diagnostics near the bug that nothing accounts for were caused by it.
    """
    near = [d for d in buggy if _near(d.line, prog.buggy_lines, 1)]
    if not near:
        return []
    blines, flines = _lines(prog.buggy_text), _lines(prog.fixed_text)
    by_text: dict[tuple[str, str], list[Diag]] = defaultdict(list)
    for d in fixed:
        by_text[_diag_key(d, flines)].append(d)
    unmatched = []
    for d in buggy:
        same = by_text.get(_diag_key(d, blines))
        if same:
            same.pop()
        elif d in near:
            unmatched.append(d)
    if not unmatched:
        return []
    left: dict[str, list[int]] = defaultdict(list)
    for diags in by_text.values():
        for d in diags:
            left[d.code].append(d.line)
    where = line_map(blines, flines)
    caused = []
    for d in unmatched:
        lo, hi = where(d.line)
        lines = left.get(d.code, [])
        hit = next((line for line in lines if lo <= line <= hi), None)
        if hit is None:
            caused.append(d)
        else:
            lines.remove(hit)
    return caused


def score(corpora: dict[str, list[Program]], run: ToolRun) -> dict[str, Scores]:
    out: dict[str, Scores] = {name: Scores() for name in [*corpora, OVERALL]}
    for name, programs in corpora.items():
        for prog in programs:
            for s in (out[name], out[OVERALL]):
                s.programs += 1
            kb, kf = prog.key("buggy"), prog.key("fixed")
            if (
                not run.ran
                or kb in run.failed
                or kf in run.failed
                or kb not in run.diags
                or kf not in run.diags
            ):
                if run.ran:
                    for s in (out[name], out[OVERALL]):
                        s.failed += 1
                continue
            buggy, fixed = run.diags[kb], run.diags[kf]
            exact = any(_near(d.line, prog.buggy_lines, 0) for d in buggy)
            near = any(_near(d.line, prog.buggy_lines, 1) for d in buggy)
            caused = bool(caused_by_bug(prog, buggy, fixed))
            for s in (out[name], out[OVERALL]):
                s.evaluated += 1
                s.hit_exact += exact
                s.hit_near += near
                s.caused += caused
                s.fixed_flagged += bool(fixed)
                s.fixed_diags += len(fixed)
    return out


@dataclass
class RuleRow:
    severity: Counter = field(default_factory=Counter)
    buggy_programs: int = 0
    near_bug: int = 0
    caused: int = 0
    fixed_programs: int = 0
    fixed_findings: int = 0


def per_rule(corpora: dict[str, list[Program]], run: ToolRun) -> dict[str, RuleRow]:
    rows: dict[str, RuleRow] = defaultdict(RuleRow)
    if not run.ran:
        return rows
    for programs in corpora.values():
        for prog in programs:
            kb, kf = prog.key("buggy"), prog.key("fixed")
            if kb not in run.diags or kf not in run.diags:
                continue
            buggy, fixed = run.diags[kb], run.diags[kf]
            for d in buggy + fixed:
                rows[d.code].severity[d.severity] += 1
            for code in {d.code for d in buggy}:
                rows[code].buggy_programs += 1
            for code in {d.code for d in buggy if _near(d.line, prog.buggy_lines, 1)}:
                rows[code].near_bug += 1
            for code in {d.code for d in caused_by_bug(prog, buggy, fixed)}:
                rows[code].caused += 1
            for code in {d.code for d in fixed}:
                rows[code].fixed_programs += 1
            for d in fixed:
                rows[d.code].fixed_findings += 1
    return rows


# --------------------------------------------------------------------------- report


def _pct(n: int, d: int) -> str:
    return "–" if d == 0 else f"{100 * n / d:.1f}% ({n}/{d})"


def _command(argv: list[str]) -> str:
    exe = Path(sys.executable)
    try:
        exe_s = (
            os.path.relpath(exe, Path.cwd())
            if exe.is_relative_to(Path.cwd())
            else str(exe)
        )
    except ValueError:
        exe_s = str(exe)
    return shlex.join([exe_s, *argv])


def render(
    corpora: dict[str, list[Program]],
    runs: list[ToolRun],
    *,
    quick: bool,
    total_s: float,
    command: str,
) -> str:
    scores = {id(run): score(corpora, run) for run in runs}
    n_files = 2 * sum(len(p) for p in corpora.values())
    out: list[str] = ["## Detection", ""]
    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    out += [
        f"- **Mode:** {'QUICK subset (' + str(QUICK_PER_CORPUS) + ' programs per corpus) — not the real numbers' if quick else 'full corpus'}",
        f"- **Date:** {now}",
        f"- **Machine:** {cpu_model()}, {cores()}, Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- **Command:** `{command}` (from `{Path.cwd()}`), {total_s:.1f} s in total",
        "- **Corpora:** "
        + "; ".join(
            f"{name}: {len(progs)} pairs"
            + f" ({sum(not p.buggy_syntax_ok for p in progs)} buggy / {sum(not p.fixed_syntax_ok for p in progs)} fixed"
            + " programs do not parse)"
            for name, progs in corpora.items()
        ),
        "",
    ]
    header = (
        "| Tool | Hit: on a buggy line | Hit: buggy line ±1 | Caused by the bug (±1, gone in fix) "
        "| False flag: fixed programs with any diagnostic | Diagnostics per fixed program | Pairs not analyzed (tool crashed) |"
    )
    sep = "|---|---:|---:|---:|---:|---:|---:|"
    for scope in [OVERALL, *corpora]:
        n = (
            len(corpora[scope])
            if scope != OVERALL
            else sum(len(p) for p in corpora.values())
        )
        out += [
            f"### {'Overall' if scope == OVERALL else scope} ({n} buggy/fixed pairs)",
            "",
            header,
            sep,
        ]
        for run in runs:
            if not run.ran:
                out.append(f"| {run.label} | **{run.status}** | – | – | – | – | – |")
                continue
            s = scores[id(run)][scope]
            mean = f"{s.fixed_diags / s.evaluated:.2f}" if s.evaluated else "–"
            out.append(
                f"| {run.label} | {_pct(s.hit_exact, s.evaluated)} | {_pct(s.hit_near, s.evaluated)} "
                f"| {_pct(s.caused, s.evaluated)} | {_pct(s.fixed_flagged, s.evaluated)} | {mean} | {s.failed} |"
            )
        out.append("")

    out += [
        "### Speed and versions",
        "",
        "| Tool | Version | Files | Wall time (s) | CPU time (s) | Files/s (wall) | How it ran |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        if not run.ran:
            out.append(
                f"| {run.label} | **{run.status}** | – | – | – | – | {run.note or '–'} |"
            )
        elif not run.timed:
            out.append(
                f"| {run.label} | {run.version} | {n_files} | – | – | – | {run.note} |"
            )
        else:
            rate = f"{run.files / run.wall_s:.0f}" if run.wall_s > 0 else "–"
            out.append(
                f"| {run.label} | {run.version} | {run.files} | {run.wall_s:.2f} | {run.cpu_s:.2f} | {rate} | {run.note} |"
            )
    out.append("")

    out += [
        "### What flags the correct (fixed) programs",
        "",
        "Most frequent codes on fixed programs, as number of fixed programs flagged.",
        "",
        "| Tool | Top codes on fixed programs |",
        "|---|---|",
    ]
    for run in runs:
        if not run.ran:
            continue
        counts: Counter = Counter()
        for key, diags in run.diags.items():
            if key[2] == "fixed":
                counts.update({d.code for d in diags})
        top = ", ".join(f"`{code}` {n}" for code, n in counts.most_common(6)) or "none"
        out.append(f"| {run.label} | {top} |")
    out.append("")

    cc = next(
        (r for r in runs if r.label.startswith("Code Coach (all") and r.ran), None
    )
    out += ["### Code Coach per rule (all corpora)", ""]
    if cc is None:
        out += ["Code Coach did not run: no per-rule breakdown.", ""]
    else:
        rows = per_rule(corpora, cc)
        total = sum(len(p) for p in corpora.values())
        out += [
            (
                f"Counts are programs (of {total} pairs). *Near bug*: the rule fires within ±1 line of a buggy "
                "line; *caused*: ... and the fix makes it go away; *fixed flagged*: fixed programs where the rule "
                "fires (false positives, unless the fixed program still has a problem). A precise rule has "
                "caused ≈ near and few fixed flags."
            ),
            "",
            "| Rule | Severity | Buggy programs flagged | Near bug (±1) | Caused by bug | Fixed programs flagged | Findings in fixed programs |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        if not rows:
            out.append("| (no findings) | | | | | | |")
        for code, row in sorted(
            rows.items(), key=lambda kv: (-kv[1].fixed_programs, -kv[1].near_bug, kv[0])
        ):
            sev = "/".join(s for s, _ in row.severity.most_common())
            out.append(
                f"| {code} | {sev} | {row.buggy_programs} | {row.near_bug} | {row.caused} | {row.fixed_programs} | {row.fixed_findings} |"
            )
        out.append("")

    out += [
        "### How to read this",
        "",
        (
            "- A diagnostic's line is its *start* line, for every tool. Buggy lines come from `meta.json` "
            "(`buggy_lines`: lines a diff against the fix touches; a pure insertion is anchored on the line before, "
            "which ±1 covers)."
        ),
        (
            "- **Hit** alone rewards noise (`ruff --select ALL` flags nearly every line); read it next to the "
            "**false-flag** rate. **Caused by the bug** is the honest detection number: a diagnostic near the bug that the fix "
            "makes go away — the fixed program has neither the same code on a line with the same stripped text, nor "
            "the same code on the line a line diff maps the diagnostic's line to (so a style warning that survives "
            "an edit of the buggy line does not count)."
        ),
        (
            "- **False flag** is the share of *fixed* (correct) programs with any diagnostic. For Code Coach the "
            "*errors + warnings only* row is what a learner sees as squiggles by default; information/hint findings "
            "are faint or hidden in most editors."
        ),
        (
            "- Fair settings: ruff runs `--no-cache --isolated` with its default rules (the main row; recent ruff "
            f"defaults include isort, pyupgrade, simplify and some pylint rules, as the table above shows), with the classic `{RUFF_CLASSIC}` set "
            "(pyflakes plus pycodestyle's E4/E7/E9 errors: ruff's long-time default), and with `--select ALL`, a noisy upper "
            "bound rather than a recommended setup. pylint runs errors + warnings (`--disable=all "
            f"--enable=E,W`) without {' and '.join(PYLINT_DISABLED)}, which depend on what is installed "
            "(competitive-programming code imports numpy, sortedcontainers, atcoder...), not on the code. "
            "Syntax errors count as diagnostics for every tool."
        ),
        (
            "- Timing: wall time of the whole tool over buggy + fixed files; subprocess tools include interpreter "
            "start-up, in-process tools include their import. Code Coach uses a fresh `Analyzer` per file (no "
            "chunk cache carried from a buggy program to its fix). A crash on a file counts as failed, not as clean."
        ),
        "",
    ]
    return "\n".join(out)


def write_section(path: Path, section: str) -> None:
    block = f"{START_MARK}\n{section.rstrip()}\n{END_MARK}\n"
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = "# Code Coach benchmark results\n\nWritten by the scripts in `bench/` (see bench/README.md).\n"
    start, end = current.find(START_MARK), current.find(END_MARK)
    if start != -1 and end != -1 and end > start:
        after = current[end + len(END_MARK) :]
        new = (
            current[:start]
            + block.rstrip("\n")
            + ("\n" if not after.startswith("\n") else "")
            + after
        )
    else:
        new = current.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "corpus_dir", type=Path, help="folder of corpora, or one corpus folder"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_PER_CORPUS} programs per corpus (smoke test)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"results file whose Detection section is replaced (default {DEFAULT_OUTPUT.relative_to(REPO)}; "
        "with --quick nothing is written unless --output is given)",
    )
    parser.add_argument(
        "--disable",
        action="append",
        default=[],
        choices=["codecoach", "pyflakes", "ruff", "pylint"],
        help="treat a tool as not installed (to check that path)",
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="parallel pylint batches"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    corpora = load_corpora(args.corpus_dir)
    if args.quick:
        corpora = {name: quick_subset(progs) for name, progs in corpora.items()}
    disabled = set(args.disable)

    with tempfile.TemporaryDirectory(prefix="codecoach-detect-") as tmp:
        jobs: list[FileJob] = []
        for progs in corpora.values():
            for prog in progs:
                for variant in VARIANTS:
                    safe = re.sub(r"\W", "_", f"{prog.corpus}__{prog.id}__{variant}")
                    copy = Path(tmp) / f"m_{safe}.py"
                    shutil.copyfile(prog.path(variant), copy)
                    jobs.append(
                        FileJob(
                            prog.key(variant),
                            prog.path(variant),
                            copy,
                            prog.text(variant),
                        )
                    )

        runs: list[ToolRun] = []
        for name, step in [
            ("Code Coach", lambda: run_codecoach(jobs, disabled)),
            ("pyflakes", lambda: run_pyflakes(jobs, disabled)),
            ("ruff", lambda: run_ruff(jobs, disabled)),
            (
                f"ruff --select {RUFF_CLASSIC}",
                lambda: run_ruff(jobs, disabled, RUFF_CLASSIC),
            ),
            ("ruff --select ALL", lambda: run_ruff(jobs, disabled, "ALL")),
            ("pylint", lambda: run_pylint(jobs, disabled, args.jobs)),
        ]:
            print(
                f"detect.py: running {name} on {len(jobs)} files...",
                file=sys.stderr,
                flush=True,
            )
            try:
                run = step()
            except Exception as error:  # noqa: BLE001 - one tool must not sink the benchmark
                traceback.print_exc()
                run = ToolRun(
                    name,
                    status="failed",
                    note=f"{type(error).__name__}: {str(error)[:200]}",
                )
            runs.append(run)
            if name == "Code Coach":
                runs.append(codecoach_errors_warnings(run))

    total = time.perf_counter() - started
    section = render(
        corpora,
        runs,
        quick=args.quick,
        total_s=total,
        command=_command([sys.argv[0], *argv]),
    )
    print(section)
    output = (
        args.output
        if args.output is not None
        else (None if args.quick else DEFAULT_OUTPUT)
    )
    if output is not None:
        write_section(output, section)
        print(f"detect.py: wrote the Detection section of {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
