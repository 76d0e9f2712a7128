"""The coach's memory: SQLite event log (the truth), Chroma index, embeddings, concept mastery.

Domain code: never imports the LSP layer, and nothing heavy (chromadb, numpy,
tokenizers, langchain) at import time. Start with `Memory.open()`.
"""

from .consolidate import SessionDigest, template_summary
from .core import (
    ConceptMastery,
    MasteryChange,
    Memory,
    PastStruggle,
    finding_key,
    humanize_ago,
    met_before_phrase,
    region_text,
    struggle_text,
)
from .embeddings import Embedder, GeminiEmbedder, MiniLMEmbedder, choose_embedder
from .index import ChromaTarget, collection_name
from .mastery import PREREQUISITES, State, Transition

__all__ = [
    "ChromaTarget",
    "ConceptMastery",
    "Embedder",
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
    "humanize_ago",
    "met_before_phrase",
    "region_text",
    "struggle_text",
    "template_summary",
]
