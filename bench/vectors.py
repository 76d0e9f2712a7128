#!/usr/bin/env python3
"""Vector store: ChromaDB ingest rate and query latency, embedded and as a server.

    python bench/vectors.py [--quick] [--output bench/RESULTS.md]

Uses chromadb directly (the project's memory layer is being built in
parallel; this measures the engine it will sit on). Records are random
normalized 384-d float32 vectors (all-MiniLM-L6-v2's size) with a short
document and metadata `{"kind": "k0".."k9", "day": 0..29}`; the collection
has no embedding function (vectors are given), cosine space. Ingest is in
batches of 1,000; queries ask for the 10 nearest of a random normalized
vector, without and with a `where={"kind": ...}` filter (10 % of the records).

Two deployments: an embedded `PersistentClient` in a temporary folder, and a
`chroma run --path TMP --host 127.0.0.1 --port PORT` server (the CLI shipped
with the chromadb package) reached through `HttpClient`, started and stopped
here. Baseline: exact brute-force search with numpy over the same vectors.
Recall@10 is chroma's approximate answer against the exact one.
"""

from __future__ import annotations

import os

# One BLAS thread: the numpy baseline should not fight chroma (and other processes) for the 2 cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    VENV_BIN,
    fmt,
    header_lines,
    kill_group,
    percentile,
    proc_status_kb,
    section_main,
    verdict,
)

DIM = 384
BATCH = 1000
FULL_STAGES = (10_000, 100_000)
QUICK_STAGES = (2_000,)
FULL_QUERIES = 300
QUICK_QUERIES = 40
KINDS = 10


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("chromadb") is not None


def vectors(n: int, seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, DIM), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exact_top(data, q, k: int = 10, mask=None):
    import numpy as np

    scores = data @ q
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    idx = np.argpartition(-scores, k)[:k]
    return idx[np.argsort(-scores[idx])]


def bench_client(client, data, queries, stages, label: str) -> dict:
    import numpy as np

    kinds = np.arange(len(data)) % KINDS
    collection = client.create_collection(
        name="bench", embedding_function=None, metadata={"hnsw:space": "cosine"}
    )
    out: dict = {"label": label, "stages": []}
    added = 0
    for stage in stages:
        started = time.perf_counter()
        while added < stage:
            end = min(added + BATCH, stage)
            collection.add(
                ids=[f"r{i}" for i in range(added, end)],
                embeddings=data[added:end],
                documents=[f"struggle {i}: loop bounds in function f{i % 97}" for i in range(added, end)],
                metadatas=[{"kind": f"k{i % KINDS}", "day": i % 30} for i in range(added, end)],
            )
            added = end
        ingest_s = time.perf_counter() - started
        ingested = stage - (out["stages"][-1]["records"] if out["stages"] else 0)
        plain, filtered, recall_hits, exact_plain, exact_filtered = [], [], 0, [], []
        sub = data[:stage]
        for qi, q in enumerate(queries):
            t = time.perf_counter()
            res = collection.query(query_embeddings=[q], n_results=10, include=[])
            plain.append(time.perf_counter() - t)
            kind = f"k{qi % KINDS}"
            t = time.perf_counter()
            collection.query(query_embeddings=[q], n_results=10, where={"kind": kind}, include=[])
            filtered.append(time.perf_counter() - t)
            t = time.perf_counter()
            truth = exact_top(sub, q)
            exact_plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            exact_top(sub, q, mask=kinds[:stage] == qi % KINDS)
            exact_filtered.append(time.perf_counter() - t)
            got = {int(i[1:]) for i in res["ids"][0]}
            recall_hits += len(got & {int(i) for i in truth})
        out["stages"].append({
            "records": stage,
            "ingested": ingested,
            "ingest_s": ingest_s,
            "rate": ingested / ingest_s if ingest_s > 0 else float("nan"),
            "plain": plain,
            "filtered": filtered,
            "exact_plain": exact_plain,
            "exact_filtered": exact_filtered,
            "recall": recall_hits / (10 * len(queries)),
        })
    return out


def run(quick: bool) -> dict:
    import chromadb
    from chromadb.config import Settings

    stages = QUICK_STAGES if quick else FULL_STAGES
    data = vectors(stages[-1], seed=1)
    queries = vectors(QUICK_QUERIES if quick else FULL_QUERIES, seed=2)
    settings = Settings(anonymized_telemetry=False)
    results: dict = {"version": chromadb.__version__, "runs": [], "errors": []}
    with tempfile.TemporaryDirectory(prefix="codecoach-chroma-") as tmp:
        try:
            client = chromadb.PersistentClient(path=os.path.join(tmp, "embedded"), settings=settings)
            results["runs"].append(bench_client(client, data, queries, stages, "embedded `PersistentClient`"))
        except Exception as error:  # noqa: BLE001
            results["errors"].append(f"embedded: {type(error).__name__}: {error}")
        chroma = VENV_BIN / "chroma"
        if not chroma.exists():
            results["errors"].append("server: the `chroma` CLI is not in the venv")
            return results
        port = free_port()
        log = open(os.path.join(tmp, "server.log"), "wb")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [str(chroma), "run", "--path", os.path.join(tmp, "server"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        try:
            started = time.perf_counter()
            client = None
            while time.perf_counter() - started < 60 and proc.poll() is None:
                try:
                    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=settings)
                    client.heartbeat()
                    break
                except Exception:  # noqa: BLE001 - not up yet
                    client = None
                    time.sleep(0.2)
            if client is None:
                raise RuntimeError(f"chroma server did not answer on 127.0.0.1:{port} within 60 s")
            results["server_start_s"] = time.perf_counter() - started
            run_ = bench_client(client, data, queries, stages, f"`chroma run` server over HTTP (127.0.0.1:{port})")
            kb = proc_status_kb(proc.pid, "VmHWM")
            run_["server_rss_mb"] = kb / 1024 if kb else float("nan")
            results["runs"].append(run_)
        except Exception as error:  # noqa: BLE001
            results["errors"].append(f"server: {type(error).__name__}: {error}")
        finally:
            kill_group(proc)
            log.close()
    return results


def render(r: dict | None, quick: bool, argv: list[str], elapsed: float) -> str:
    out = header_lines("Vector store (ChromaDB)", quick, argv, elapsed)
    if r is None:
        out += ["**TODO — not measured:** chromadb is not installed in this venv. The memory layer (issue 7 §5) "
                "will be measured here once it is."]
        return "\n".join(out)
    out += [
        f"- **chromadb {r['version']}**, random normalized {DIM}-d float32 vectors, cosine space, no embedding function "
        f"(vectors given), batches of {BATCH}, 10 nearest per query, `where` filter on one of {KINDS} kinds (10 % of records).",
        "- Measured on chromadb directly, not through the project's memory layer (being built in parallel).",
    ]
    if "server_start_s" in r:
        out.append(f"- The `chroma run` server answered its first heartbeat {r['server_start_s']:.1f} s after spawn; it is stopped (process group) at the end.")
    out += [
        "",
        "| Deployment | Records | Ingest (records/s) | Query p50 (ms) | Query **p95** (ms) | With `where`: p50 / p95 (ms) | Recall@10 | Baseline numpy exact: p50 / p95 (ms); with filter p95 | Targets | Verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for run_ in r["runs"]:
        for st in run_["stages"]:
            pl = [x * 1000 for x in st["plain"]]
            fl = [x * 1000 for x in st["filtered"]]
            ep = [x * 1000 for x in st["exact_plain"]]
            ef = [x * 1000 for x in st["exact_filtered"]]
            big = st["records"] >= 100_000
            targets = "query p95 ≤ 25 ms at 100k; ingest ≥ 1,000/s"
            v_ingest = verdict(st["rate"], 1000, lower_is_better=False)
            v_query = verdict(percentile(pl, 95), 25) if big else "– (target at 100k)"
            out.append(
                f"| {run_['label']} | {st['records']:,} | {fmt(st['rate'], 0)} (last {st['ingested']:,}) | {fmt(percentile(pl, 50), 2)} "
                f"| **{fmt(percentile(pl, 95), 2)}** | {fmt(percentile(fl, 50), 2)} / {fmt(percentile(fl, 95), 2)} "
                f"| {st['recall']:.3f} | {fmt(percentile(ep, 50), 2)} / {fmt(percentile(ep, 95), 2)}; {fmt(percentile(ef, 95), 2)} "
                f"| {targets} | ingest {v_ingest}; query {v_query} |"
            )
        if "server_rss_mb" in run_:
            out.append(f"| ↳ server process peak RSS (VmHWM) | {fmt(run_['server_rss_mb'], 0)} MB | | | | | | | | |")
    for error in r["errors"]:
        out.append(f"\n**Failed:** {error}")
    out += [
        "",
        "Ingest rate of a stage = records added in that stage / its wall time (the 100k row covers records "
        "10,001–100,000, added to a collection that already holds 10k). Query times are client wall times, "
        "one query at a time, over the same query vectors for every row. Recall@10 is against exact search: "
        "random vectors have no cluster structure, the worst case for HNSW, and chroma's default search breadth "
        "(`hnsw:search_ef`) is small, so low recall here says 'tune search_ef with real embeddings', and fast "
        "queries are partly bought with it. When the numpy baseline is much slower in one row than another, the "
        "machine was busier during that row.",
    ]
    return "\n".join(out)


def summary_rows(r: dict | None) -> list[tuple]:
    if r is None:
        return [("Chroma query p95 at 100k / ingest", float("nan"), 25.0, "TODO: chromadb not installed", "ms")]
    rows = []
    for run_ in r["runs"]:
        st = run_["stages"][-1]
        pl = [x * 1000 for x in st["plain"]]
        ep = [x * 1000 for x in st["exact_plain"]]
        short = "embedded" if "embedded" in run_["label"] else "server"
        rows.append((f"Chroma {short}, query p95 at {st['records']:,} records", percentile(pl, 95),
                     25.0 if st["records"] >= 100_000 else None, f"numpy exact {fmt(percentile(ep, 95), 2)} ms", "ms"))
        rates = [s["rate"] for s in run_["stages"]]
        rows.append((f"Chroma {short}, ingest (slowest stage)", min(rates), ("≥", 1000.0), "–", "records/s"))
    return rows


def main(argv: list[str] | None = None) -> int:
    def produce(quick: bool, command: list[str], started: float) -> tuple[str, int]:
        r = run(quick) if available() else None
        status = 0 if r is None or not r["errors"] else 1
        return render(r, quick, command, time.perf_counter() - started), status

    return section_main("vectors", __doc__, produce, argv)


if __name__ == "__main__":
    sys.exit(main())
