"""The coach's memory: SQLite event log (the truth), Chroma index, embeddings, concept mastery.

Domain code: never imports the LSP layer, and nothing heavy (chromadb, numpy,
tokenizers, langchain) at import time. Start with `Memory.open()`; the parts
behind it are listed in `core.py` and docs/memory.md.
"""

from __future__ import annotations

from .admin import Forgotten
from .consolidate import SessionDigest, template_summary
from .core import Memory
from .embeddings import Embedder, GeminiEmbedder, MiniLMEmbedder, choose_embedder
from .index import ChromaTarget, collection_name
from .indexing import struggle_text
from .mastery import PREREQUISITES, State, Transition
from .queries import ConceptMastery, MasteryChange
from .recording import region_text
from .retrieval import PastStruggle, finding_key

__all__ = [
    "ChromaTarget",
    "ConceptMastery",
    "Embedder",
    "Forgotten",
    "GeminiEmbedder",
    "MasteryChange",
    "Memory",
    "MiniLMEmbedder",
    "PREREQUISITES",
    "PastStruggle",
    "SessionDigest",
    "State",
    "Transition",
    "choose_embedder",
    "collection_name",
    "finding_key",
    "region_text",
    "struggle_text",
    "template_summary",
]
