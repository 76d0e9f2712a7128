#!/usr/bin/env python3
"""The web front end: WebSocket overhead, 50 learners at typing pace, dashboard first paint.

    python bench/web.py [--quick] [--output bench/RESULTS.md]

1. **Overhead.** A ~500-line file (bench/analysis_latency.py's) streamed over /ws/stream
   to a server in this process (its own thread and event loop, `debounceMs` 0), one
   single-character edit at a time, each undone untimed (a warm cache, as after a
   keystroke). Per edit: the time from sending the change to receiving its `analysis`
   message, minus the time `Coach.analyze` itself took for that version (timed inside
   the server), so what is left is the web's own cost: parse, schedule, the worker hop,
   encode, send, receive.
2. **Classroom.** A real `codecoach web` process and N simulated learners, one
   WebSocket each, each typing its own program (QuixBugs/ConDefects buggy programs from
   ../shared/corpora, read in place) at typing pace: bursts of keystrokes 120-250 ms
   apart, then a pause of 1-3 s (sometimes 5 s, long enough for the coach to remember).
   Every keystroke sends the whole text, as an editor plugin would. Per pause: time
   from the last keystroke's change to its analysis, minus `debounceMs` (300, the
   default). A pause whose analysis never came is lost; an analysis older than one
   already received on that connection is reordered. Server CPU and memory from /proc.
3. **Dashboard first paint.** tests/web/dashboard.mjs in Debian's Chromium
   (playwright-core) opens the dashboard of that server (with the classroom's history)
   several times: first contentful paint, and everything drawn (charts, mistakes,
   recommendations, the WebSocket open).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis_latency import build_file, random_edit  # noqa: E402
from common import (  # noqa: E402
    CORPORA,
    EXAMPLES,
    REPO,
    fmt,
    header_lines,
    kill_group,
    load_average,
    percentile,
    proc_cpu_seconds,
    proc_status_kb,
    section_main,
    summary_ms,
    verdict,
)

TOKEN = "bench-web-token-0123456789abcdef"
FULL = {"trials": 300, "learners": 50, "seconds": 60.0, "paints": 10}
QUICK = {"trials": 12, "learners": 6, "seconds": 6.0, "paints": 2}
DEBOUNCE_MS = 300
OVERHEAD_TARGET_MS = 20.0
CLASSROOM_TARGET_MS = 100.0
PAINT_TARGET_MS = 1000.0


# --------------------------------------------------------------------------- 1. overhead
def overhead(trials: int) -> dict:
    from websockets.asyncio.client import connect

    from codecoach.coach import Coach
    from codecoach.scheduling import tune_for_latency
    from codecoach.web.access import Access
    from codecoach.web.app import build_app
    from codecoach.web.server import bind, new_server

    text, origin = build_file()
    data = tempfile.mkdtemp(prefix="codecoach-bench-web-")
    coach = Coach(data_dir=data)
    coach.configure({"debounceMs": 0, "runExamples": False})
    analyzed: dict[int, float] = {}
    original = coach.analyze

    def timed(file, source, version, prefs=None):
        started = time.perf_counter()
        try:
            return original(file, source, version, prefs)
        finally:
            analyzed[version] = time.perf_counter() - started

    coach.analyze = timed  # type: ignore[method-assign]
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = build_app(coach, Access.for_binding("127.0.0.1", port, TOKEN))
    server = new_server(app, "warning")
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    tune_for_latency()  # as `codecoach web` runs
    thread.start()
    while not server.started:
        time.sleep(0.01)
    rng = random.Random(15)
    rtt: list[float] = []
    beyond: list[float] = []
    analysis: list[float] = []
    bytes_out: list[int] = []

    async def client() -> None:
        async with connect(f"ws://127.0.0.1:{port}/ws/stream", additional_headers={"Authorization": f"Bearer {TOKEN}"},
                           max_size=None) as ws:
            version = 0

            async def roundtrip(source: str) -> tuple[float, int]:
                nonlocal version
                version += 1
                frame = json.dumps({"type": "change", "path": "big.py", "version": version, "text": source})
                started = time.perf_counter()
                await ws.send(frame)
                while True:
                    message = json.loads(await ws.recv())
                    if message.get("type") == "analysis" and message["version"] == version:
                        return time.perf_counter() - started, version
            await roundtrip(text)  # opened: the cold analysis, untimed
            for _ in range(trials):
                elapsed, v = await roundtrip(random_edit(text, rng))
                # The revision inside is the n-th text of the document: the client's version here.
                rtt.append(elapsed)
                analysis.append(analyzed[v])
                beyond.append(elapsed - analyzed[v])
                await roundtrip(text)  # undo, untimed
            bytes_out.append(len(frame_size_probe(text)))

    try:
        asyncio.run(client())
    finally:
        server.should_exit = True
        thread.join(30)
        import gc

        gc.enable()
        shutil.rmtree(data, ignore_errors=True)
    return {"trials": trials, "lines": text.count("\n"), "origin": origin, "rtt": rtt, "analysis": analysis,
            "beyond": beyond, "message_bytes": bytes_out[0] if bytes_out else 0}


def frame_size_probe(text: str) -> str:
    return json.dumps({"type": "change", "path": "big.py", "version": 1, "text": text})


# --------------------------------------------------------------------------- 2. classroom
def programs(n: int) -> tuple[list[str], str]:
    """n learner programs of 15-80 lines: the corpora's buggy programs, else examples/."""
    found = []
    for corpus in ("quixbugs", "condefects"):
        for path in sorted((CORPORA / corpus).glob("*/buggy.py")) if (CORPORA / corpus).is_dir() else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            if 15 <= text.count("\n") <= 80:
                found.append(text)
    origin = "QuixBugs and ConDefects buggy programs (../shared/corpora)"
    if not found:
        found = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.py"))]
        origin = "examples/*.py (corpora not found)"
    return [found[i % len(found)] for i in range(n)], origin


def start_server(folder: Path) -> tuple[subprocess.Popen, int, Path]:
    settings = folder / "settings.json"
    settings.write_text(json.dumps({"runExamples": False}), encoding="utf-8")
    log = folder / "server.log"
    env = {k: v for k, v in os.environ.items() if k not in ("GOOGLE_API_KEY", "GEMINI_API_KEY")}
    env["CODECOACH_DATA_DIR"] = str(folder / "data")
    process = subprocess.Popen([sys.executable, "-m", "codecoach", "web", "--port", "0", "--token", TOKEN,
                                "--settings", str(settings), "--log-level", "warning"],
                               stdout=subprocess.DEVNULL, stderr=log.open("w"), env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "?token=" in text:
            port = int(text.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])
            return process, port, log
        if process.poll() is not None:
            break
        time.sleep(0.05)
    kill_group(process)  # never leave a server behind
    raise RuntimeError("codecoach web did not start: " + log.read_text(errors="replace")[-2000:])


class Learner:
    def __init__(self, number: int, program: str, rng: random.Random) -> None:
        self.path = f"learner{number:02d}/program.py"
        lines = program.splitlines(keepends=True)
        keep = max(3, len(lines) // 3)
        self.text = "".join(lines[:keep])  # a third written already
        self.rest = "".join(lines[keep:]) or program
        self.rng = rng
        self.version = 0
        self.sent: dict[int, float] = {}
        self.pauses: list[int] = []  # the last version of each burst
        self.received: list[tuple[int, float]] = []
        self.errors: list[str] = []

    async def run(self, url: str, until: float) -> None:
        from websockets.asyncio.client import connect

        async with connect(url, additional_headers={"Authorization": f"Bearer {TOKEN}"}, max_size=None) as ws:
            async def listen() -> None:
                async for frame in ws:
                    message = json.loads(frame)
                    if message.get("type") == "analysis":
                        self.received.append((message["version"], time.perf_counter()))
                    elif message.get("type") == "error":
                        self.errors.append(message["message"])

            listener = asyncio.ensure_future(listen())
            await asyncio.sleep(self.rng.random() * 2)  # learners do not start in step
            position = 0
            while time.perf_counter() < until:
                for _ in range(self.rng.randint(8, 30)):  # a burst of typing
                    if position >= len(self.rest):
                        position = 0
                        self.text += "\n"
                    self.text += self.rest[position]
                    position += 1
                    self.version += 1
                    self.sent[self.version] = time.perf_counter()
                    await ws.send(json.dumps({"type": "change", "path": self.path, "version": self.version,
                                              "text": self.text}))
                    await asyncio.sleep(self.rng.uniform(0.12, 0.25))
                self.pauses.append(self.version)
                await asyncio.sleep(5.0 if self.rng.random() < 0.15 else self.rng.uniform(1.0, 3.0))
            await asyncio.sleep(3.0)  # the last pause's answer
            listener.cancel()


def classroom(learners: int, seconds: float, paints: int) -> dict:
    texts, origin = programs(learners)
    folder = Path(tempfile.mkdtemp(prefix="codecoach-bench-classroom-"))
    process, port, log = start_server(folder)
    rng = random.Random(50)
    crowd = [Learner(i + 1, texts[i], random.Random(rng.random())) for i in range(learners)]
    url = f"ws://127.0.0.1:{port}/ws/stream"
    cpu_before = proc_cpu_seconds(process.pid)

    async def everyone() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(learner.run(url, until) for learner in crowd))

    started = time.perf_counter()
    client_cpu = time.process_time()
    load_before = load_average()
    try:
        asyncio.run(everyone())
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        cpu = proc_cpu_seconds(process.pid) - cpu_before
        rss, hwm = proc_status_kb(process.pid, "VmRSS"), proc_status_kb(process.pid, "VmHWM")
        load_after = load_average()
        paint = dashboard_paint(port, paints)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            code = None
        shutil.rmtree(folder, ignore_errors=True)

    latencies, lost, reordered, changes, analyses = [], 0, 0, 0, 0
    for learner in crowd:
        changes += learner.version
        analyses += len(learner.received)
        versions = [v for v, _ in learner.received]
        reordered += sum(1 for a, b in zip(versions, versions[1:]) if b < a)
        first_at = {}
        for version, at in learner.received:
            first_at.setdefault(version, at)
        for version in learner.pauses:
            if version in first_at:
                latencies.append(first_at[version] - learner.sent[version] - DEBOUNCE_MS / 1000)
            else:
                lost += 1
    return {"learners": learners, "seconds": seconds, "origin": origin, "wall": wall, "changes": changes,
            "analyses": analyses, "pauses": sum(len(x.pauses) for x in crowd), "latencies": latencies,
            "lost": lost, "reordered": reordered, "errors": sum(len(x.errors) for x in crowd), "cpu": cpu,
            "client_cpu": client_cpu, "rss_kb": rss, "hwm_kb": hwm, "exit": code, "paint": paint,
            "load": (load_before, load_after)}


# --------------------------------------------------------------------------- 3. first paint
def dashboard_paint(port: int, runs: int) -> dict:
    script = REPO / "tests" / "web" / "dashboard.mjs"
    chromium = os.environ.get("CODECOACH_CHROMIUM", "/usr/bin/chromium")
    if not (shutil.which("node") and (REPO / "node_modules" / "playwright-core").is_dir() and Path(chromium).exists()):
        return {"skipped": "needs node, playwright-core (npm ci) and chromium (make ext-deps)"}
    run = subprocess.run(["node", str(script), "measure", f"http://127.0.0.1:{port}", TOKEN, str(runs)],
                         capture_output=True, text=True, timeout=300, cwd=REPO)
    if run.returncode != 0:
        return {"skipped": f"the browser run failed: {run.stderr[-400:]}"}
    results = json.loads(run.stdout.strip().splitlines()[-1])
    return {"fcp": [r["firstPaintMs"] for r in results if r["firstPaintMs"] is not None],
            "drawn": [r["chartsMs"] for r in results], "runs": runs}


# --------------------------------------------------------------------------- report
def run(quick: bool) -> dict:
    sizes = QUICK if quick else FULL
    return {"overhead": overhead(sizes["trials"]),
            "classroom": classroom(sizes["learners"], sizes["seconds"], sizes["paints"])}


def _ms(values: list[float]) -> dict:
    return summary_ms(values)


def render(r: dict, quick: bool, argv: list[str], elapsed: float) -> str:
    o, c = r["overhead"], r["classroom"]
    beyond, rtt, analysis = _ms(o["beyond"]), _ms(o["rtt"]), _ms(o["analysis"])
    lat = _ms(c["latencies"])
    out = header_lines("Web front end: WebSocket overhead, a classroom, dashboard first paint", quick, argv, elapsed)
    out += [
        "### Change → `analysis` message, beyond the analysis itself",
        "",
        f"- **File:** {o['lines']} lines from {o['origin']}; {o['trials']} single-character edits, each undone "
        f"untimed; the whole text in every change ({o['message_bytes'] / 1024:.1f} KB a message); `debounceMs` 0; "
        "server and client in one process (server in its own thread and loop, as `codecoach watch` runs it).",
        "",
        "| Figure | p50 (ms) | p95 (ms) | max (ms) | Target | Verdict |",
        "|---|---:|---:|---:|---:|---|",
        f"| Round trip minus `Coach.analyze` of that version | {fmt(beyond['p50'], 2)} | **{fmt(beyond['p95'], 2)}** | "
        f"{fmt(beyond['max'], 2)} | p95 ≤ {OVERHEAD_TARGET_MS:g} | {verdict(beyond['p95'], OVERHEAD_TARGET_MS)} |",
        f"| Round trip (change sent → analysis received) | {fmt(rtt['p50'], 2)} | {fmt(rtt['p95'], 2)} | "
        f"{fmt(rtt['max'], 2)} | – | – |",
        f"| `Coach.analyze` itself (inside the server) | {fmt(analysis['p50'], 2)} | {fmt(analysis['p95'], 2)} | "
        f"{fmt(analysis['max'], 2)} | – | – |",
        "",
        f"### {c['learners']} learners typing at once on one server",
        "",
        f"- **Programs:** {c['origin']}, a third written at the start, the rest typed character by character.",
        f"- **Run:** {c['seconds']:.0f} s of typing ({c['wall']:.0f} s with the last answers); {c['changes']} changes "
        f"sent (whole texts), {c['analyses']} analyses received, {c['pauses']} pauses; `debounceMs` {DEBOUNCE_MS}, "
        "`settleSeconds` 4 (the memory records every pause of 4 s or more: the 5 s pauses); clients in this process "
        f"on the same 2 cores; load average {c['load'][0]} before, {c['load'][1]} after (other engineers' "
        "processes share the cores: compare runs at a similar load).",
        "",
        "| Figure | Value | Target | Verdict |",
        "|---|---:|---:|---|",
        f"| Last keystroke → its analysis, minus the debounce, p50 | {fmt(lat['p50'], 1)} ms | – | – |",
        f"| … p95 | **{fmt(lat['p95'], 1)} ms** | ≤ {CLASSROOM_TARGET_MS:g} ms | {verdict(lat['p95'], CLASSROOM_TARGET_MS)} |",
        f"| … max | {fmt(lat['max'], 1)} ms | – | – |",
        f"| Pauses whose analysis never came (lost) | {c['lost']} of {c['pauses']} | 0 | "
        f"{'✅ meets' if c['lost'] == 0 else '❌ misses'} |",
        f"| Analyses older than one already received on the connection (reordered) | {c['reordered']} | 0 | "
        f"{'✅ meets' if c['reordered'] == 0 else '❌ misses'} |",
        f"| Errors sent to the learners | {c['errors']} | 0 | {'✅ meets' if c['errors'] == 0 else '❌ misses'} |",
        f"| Server CPU | {fmt(c['cpu'], 1)} s ({fmt(100 * c['cpu'] / max(c['wall'], 1e-9), 0)}% of one core) | – | – |",
        f"| Server memory at the end (VmRSS) / peak (VmHWM) | {fmt((c['rss_kb'] or 0) / 1024, 0)} MB / "
        f"{fmt((c['hwm_kb'] or 0) / 1024, 0)} MB | – | – |",
        f"| Clients' CPU (this process, {c['learners']} connections) | {fmt(c['client_cpu'], 1)} s | – | – |",
        f"| Server exit after SIGINT | {c['exit']} | 0 | {'✅ meets' if c['exit'] == 0 else '❌ misses'} |",
        "",
        "An analysis superseded before it was sent is replaced by the newer one (latest version wins), so "
        "fewer analyses than changes arrive by design; 'lost' counts pauses, whose last version must always be "
        "answered.",
        "",
        "### Dashboard first paint (localhost)",
        "",
    ]
    paint = c["paint"]
    if "skipped" in paint:
        out.append(f"Not measured: {paint['skipped']}.")
    else:
        fcp, drawn = _ms([x / 1000 for x in paint["fcp"]]), _ms([x / 1000 for x in paint["drawn"]])
        out += [
            f"- Debian's Chromium through playwright-core, {paint['runs']} loads of `/` with the classroom's "
            "history (the page, its script and styles, /summary ×2, /insights, /recommendations, the WebSocket).",
            "",
            "| Figure | p50 (ms) | p95 (ms) | Target | Verdict |",
            "|---|---:|---:|---:|---|",
            f"| First contentful paint | {fmt(fcp['p50'], 0)} | **{fmt(fcp['p95'], 0)}** | ≤ {PAINT_TARGET_MS:g} | "
            f"{verdict(fcp['p95'], PAINT_TARGET_MS)} |",
            f"| Everything drawn (3 charts, mistakes, recommendations, live) | {fmt(drawn['p50'], 0)} | "
            f"{fmt(drawn['p95'], 0)} | – | – |",
        ]
    return "\n".join(out)


def summary_rows(r: dict) -> list[tuple]:
    o, c = r["overhead"], r["classroom"]
    rows = [
        ("Web: change → analysis message beyond the analysis, 500-line file, p95", percentile(
            [x * 1000 for x in o["beyond"]], 95), OVERHEAD_TARGET_MS,
         f"{fmt(percentile([x * 1000 for x in o['analysis']], 95), 2)} ms the analysis itself", "ms"),
        (f"Web: {c['learners']} learners typing, analysis beyond the debounce, p95",
         percentile([x * 1000 for x in c["latencies"]], 95), CLASSROOM_TARGET_MS,
         f"{c['lost']} lost, {c['reordered']} reordered, server peak {fmt((c['hwm_kb'] or 0) / 1024, 0)} MB", "ms"),
    ]
    paint = c["paint"]
    if "skipped" not in paint:
        rows.append(("Web: dashboard first contentful paint, p95", percentile(paint["fcp"], 95), PAINT_TARGET_MS,
                     f"all drawn p95 {fmt(percentile(paint['drawn'], 95), 0)} ms", "ms"))
    return rows


def main(argv: list[str] | None = None) -> int:
    def produce(quick: bool, command: list[str], started: float) -> tuple[str, int]:
        return render(run(quick), quick, command, time.perf_counter() - started), 0

    return section_main("web", __doc__, produce, argv)


if __name__ == "__main__":
    sys.exit(main())
