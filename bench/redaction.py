#!/usr/bin/env python3
"""Redaction: time on adversarial text, coverage of the generated secret corpus, false
redactions on real learner programs.

    python bench/redaction.py [--quick] [--output bench/RESULTS.md]

- **Speed.** Each adversarial text is 64 KiB (the largest file the server analyzes) of one
  shape chosen to hurt a backtracking regular expression: long dotted strings (the
  `z = 'a.a.a…'` line that took 22 s on the old patterns), runs of quotes, `=`, brackets,
  base64 and hex, and near-misses of every pattern (`AIzaAIza…`, `ghp_ghp_…`,
  `scheme://a:b` without `@`, `?key=` chains, `Bearer Bearer…`, PEM headers without a
  body, many tiny strings, unterminated triple quotes…). `redact` runs with its caps lifted
  to the text's size, so every detector sees all of it; the capped call (what callers get)
  is timed too. Target: ≤ 50 ms per 64 KiB.
- **Coverage.** `tests/cloud/secret_formats.py` generates fake secrets of each format and
  places each in every context where it fits: caught per context and per family.
- **False redactions.** Every `buggy.py`/`fixed.py` of ../shared/corpora (QuixBugs and
  ConDefects), read in place: files changed, placeholders written.
"""

from __future__ import annotations

import random
import statistics
import string
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "cloud"))

from common import CORPORA, fmt, header_lines, load_average, section_main, verdict  # noqa: E402

SIZE = 64 * 1024
TARGET_MS = 50.0
FULL_REPEATS = 15
QUICK_REPEATS = 3


def _fill(unit: str, prefix: str = "", suffix: str = "") -> str:
    body = SIZE - len(prefix) - len(suffix)
    return prefix + (unit * (body // len(unit) + 1))[:body] + suffix


def _random(alphabet: str, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(SIZE))


def adversarial_texts() -> dict[str, str]:
    b64 = string.ascii_letters + string.digits + "+/"
    near_b64 = _random(b64, 2)
    near_b64 = ".".join(near_b64[i : i + 19] for i in range(0, SIZE, 20))[:SIZE]
    pem = "-" * 5 + "BEGIN RSA " + "PRIVATE KEY" + "-" * 5 + "\n"
    texts = {
        "dotted string, one line": _fill("a.", "z = '", "'"),
        "dotted string, 80-char lines": _fill("z = '" + "a." * 37 + "'\n"),
        "dotted code, one line": _fill("a.", "z = "),
        "quotes '": _fill("'"),
        'quotes "': _fill('"'),
        "alternating quotes": _fill("'\""),
        "escaped quotes in a string": _fill("\\'", "s = '"),
        "backslashes": _fill("\\"),
        "=": _fill("="),
        "password= chain": _fill("password="),
        "password = password = …": _fill("password = "),
        "secret-like identifier": _fill("api_key_token_secret_password_"),
        "long identifier": _fill("a"),
        "base64 run": _random(b64, 1),
        "base64 near-misses (19 chars)": near_b64,
        "hex run": _random("0123456789abcdef", 3),
        "(((": _fill("("),
        "[{( nested": _fill("[{("),
        "many tiny strings": _fill('"a",'),
        "dict of secret keys": _fill('{"password": "'),
        "unterminated triple quote": _fill("x\\\n", '"""'),
        "AIza…": _fill("AIza"),
        "ghp_…": _fill("ghp_"),
        "sk-…": _fill("sk-"),
        "xoxb-…": _fill("xoxb-"),
        "eyJ…": _fill("eyJ."),
        "dop_v1_…": _fill("dop_v1_"),
        "hvs.…": _fill("hvs."),
        "PEM headers without a body": _fill(pem),
        "scheme://user:pw without @": _fill("a://b:c"),
        "://…@@@": _fill("://a:b@"),
        "@@@": _fill("@"),
        "?key= chain": _fill("?key=&"),
        "Bearer Bearer …": _fill("Bearer "),
        "# password: comments": _fill("# password: "),
        "PASSWORD= lines": _fill("PASSWORD=\n"),
        "user, password = chains": _fill("user, password = "),
        "auth=( chains": _fill("auth=("),
        "environ subscripts": _fill('os.environ["A"] = '),
        "lines just under the 2,000-character cap": _fill("a" * 1_999 + "\n"),
        "mixed learner code": _learner_text(),
    }
    for name, text in texts.items():
        assert len(text) == SIZE, (name, len(text))
    return texts


def _learner_text() -> str:
    """Real programs (QuixBugs, ConDefects) concatenated to 64 KiB: the ordinary case."""
    files = sorted(CORPORA.glob("**/*.py")) if CORPORA.is_dir() else []
    text = "".join(f.read_text(errors="replace") for f in files[:400]) or "print('hello')\n"
    return (text * (SIZE // len(text) + 1))[:SIZE]


def time_call(fn, text: str, repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per call. The machine's 2 cores are shared: under a
    load of 4-5 the wall clock includes waiting for a core; CPU time is the work itself."""
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn(text)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def first_load_seconds() -> float:
    """The first redaction in a fresh interpreter: the rule set loads (from the user's cache
    after the first run on a machine; compiling it takes a few seconds once)."""
    probe = ("import time; from codecoach.privacy import redact; t = time.perf_counter(); "
             "redact('x = 1'); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300)
    return float(out.stdout.strip())


def coverage() -> dict:
    import secret_formats as sf

    from codecoach.privacy import redact

    per_context: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    informational = [0, 0]  # generic secrets in unlabelled contexts: not required
    secrets = set()
    for case in sf.cases():
        caught = not sf.leaked(case.secret, redact(case.text)[0])
        if not case.must_redact:
            informational[0] += caught
            informational[1] += 1
            continue
        secrets.add(case.secret)
        for table, key in ((per_context, case.context), (per_family, case.family), (per_kind, case.kind)):
            table[key][0] += caught
            table[key][1] += 1
    return {"per_context": dict(per_context), "per_family": dict(per_family), "per_kind": dict(per_kind),
            "informational": informational, "kinds": len(sf.FORMATS), "secrets": len(secrets),
            "contexts": len(sf.CONTEXTS) + len(sf.MULTILINE_CONTEXTS)}


def false_redactions() -> dict:
    from codecoach.privacy import redact

    files = sorted(CORPORA.glob("**/*.py")) if CORPORA.is_dir() else []
    changed, placeholders, lines = [], 0, 0
    for path in files:
        text = path.read_text(errors="replace")
        lines += text.count("\n")
        out, count = redact(text)
        if count:
            changed.append(str(path.relative_to(CORPORA)))
            placeholders += count
    return {"files": len(files), "lines": lines, "changed": changed, "placeholders": placeholders}


def run(quick: bool) -> dict:
    from codecoach.privacy import redact

    redact("warm = 'up'")  # load the rule set before timing
    repeats = QUICK_REPEATS if quick else FULL_REPEATS
    texts = adversarial_texts()
    if quick:
        texts = dict(list(texts.items())[::4])
    uncapped, uncapped_cpu, capped = {}, {}, {}
    for name, text in texts.items():
        uncapped[name], uncapped_cpu[name] = time_call(
            lambda t: redact(t, limit=len(t), line_limit=len(t)), text, repeats)
        capped[name], _ = time_call(redact, text, repeats)
    return {"uncapped": uncapped, "uncapped_cpu": uncapped_cpu, "capped": capped, "repeats": repeats,
            "first_load": first_load_seconds(), "load": load_average(),
            "coverage": coverage(), "false": false_redactions()}


def _pct(pair: list[int]) -> str:
    caught, total = pair
    return f"{caught}/{total} ({100 * caught / total:.1f}%)" if total else "–"


def render(r: dict, quick: bool, argv: list[str], elapsed: float) -> str:
    out = header_lines("Redaction: adversarial text, secret corpus, false redactions", quick, argv, elapsed)
    worst = max(r["uncapped"], key=lambda k: statistics.median(r["uncapped"][k]))
    worst_p50 = statistics.median(r["uncapped"][worst])
    worst_max = max(max(v) for v in r["uncapped"].values())
    worst_cpu = max(r["uncapped_cpu"], key=lambda k: statistics.median(r["uncapped_cpu"][k]))
    worst_cpu_p50 = statistics.median(r["uncapped_cpu"][worst_cpu])
    out += [
        f"- **Speed:** {len(r['uncapped'])} adversarial texts of 64 KiB, each redacted {r['repeats']} times with the "
        "caps lifted (every detector scans all 64 KiB) and as callers get it (lines over 2,000 characters replaced "
        "whole, at most 64 KiB). Slowest shape: "
        f"**{worst}**, p50 {fmt(worst_p50, 1)} ms; slowest single run {fmt(worst_max, 1)} ms; target ≤ {TARGET_MS:.0f} ms: "
        f"{verdict(worst_p50, TARGET_MS)}. CPU time of the slowest shape (**{worst_cpu}**): p50 "
        f"{fmt(worst_cpu_p50, 1)} ms, {verdict(worst_cpu_p50, TARGET_MS)} (load average during the run {r['load']}; "
        "on 2 shared cores the wall clock includes waiting for a core). "
        "On the old patterns one 20 KB line of `z = 'a.a.a…'` took 22 s.",
        f"- **First redaction in a fresh process:** {fmt(r['first_load'], 2)} s (Kingfisher loads its compiled rule "
        "set from the user cache; the very first run on a machine compiles it, ~5 s of CPU, off the event loop).",
        "",
        "| Text (64 KiB) | uncapped p50 | uncapped max | uncapped CPU p50 | as called p50 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in r["uncapped"]:
        u, c, cpu = r["uncapped"][name], r["capped"][name], r["uncapped_cpu"][name]
        out.append(f"| {name} | {fmt(statistics.median(u), 1)} ms | {fmt(max(u), 1)} ms | "
                   f"{fmt(statistics.median(cpu), 1)} ms | {fmt(statistics.median(c), 1)} ms |")
    cov = r["coverage"]
    total = [sum(v[0] for v in cov["per_family"].values()), sum(v[1] for v in cov["per_family"].values())]
    out += [
        "",
        f"### Generated secret corpus ({cov['secrets']} fake secrets of {cov['kinds']} kinds, {cov['contexts']} contexts)",
        "",
        f"Caught where they must be (vendor formats and random shapes in every context, passwords and short tokens "
        f"in every labelled one): **{_pct(total)}**. Generic secrets in unlabelled contexts (not required): "
        f"{_pct(cov['informational'])}.",
        "",
        "| Family | caught |",
        "|---|---:|",
    ]
    out += [f"| {family} | {_pct(pair)} |" for family, pair in sorted(cov["per_family"].items())]
    out += ["", "| Context | caught |", "|---|---:|"]
    out += [f"| {context} | {_pct(pair)} |" for context, pair in cov["per_context"].items()]
    missed = {k: v for k, v in cov["per_kind"].items() if v[0] < v[1]}
    out += ["", "Formats with a miss: " + (", ".join(f"{k} {_pct(v)}" for k, v in missed.items()) or "none") + "."]
    f = r["false"]
    out += [
        "",
        "### False redactions on real learner programs",
        "",
        f"{f['files']} files ({f['lines']:,} lines) of ../shared/corpora (QuixBugs and ConDefects, buggy and fixed): "
        f"**{len(f['changed'])} files changed, {f['placeholders']} placeholders**"
        + (f" ({', '.join(f['changed'][:5])})" if f["changed"] else "") + ".",
    ]
    return "\n".join(out)


def summary_rows(r: dict) -> list[tuple]:
    worst_p50 = max(statistics.median(v) for v in r["uncapped"].values())
    worst_cpu = max(statistics.median(v) for v in r["uncapped_cpu"].values())
    cov = r["coverage"]["per_family"]
    caught = sum(v[0] for v in cov.values())
    total = sum(v[1] for v in cov.values())
    return [
        ("Redaction of 64 KiB adversarial text, slowest shape p50", worst_p50, TARGET_MS,
         "22 s for one 20 KB line before (issue 14)", "ms"),
        ("Redaction of 64 KiB adversarial text, slowest shape p50, CPU time", worst_cpu, TARGET_MS, "–", "ms"),
        ("Generated secrets caught where required", 100 * caught / total if total else float("nan"), (">=", 100.0),
         f"{caught}/{total} cases", "%"),
        ("False redactions on the learner corpora (files changed)", float(len(r["false"]["changed"])), 0.0,
         f"{r['false']['files']} files", "files"),
    ]


def main(argv: list[str] | None = None) -> int:
    def produce(quick: bool, command: list[str], started: float) -> tuple[str, int]:
        r = run(quick)
        return render(r, quick, command, time.perf_counter() - started), 0

    return section_main("redaction", __doc__, produce, argv)


if __name__ == "__main__":
    sys.exit(main())
