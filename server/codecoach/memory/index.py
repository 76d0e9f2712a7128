"""The Chroma index: a rebuildable view of the event log for similarity search.

Embedded `PersistentClient` under the data dir by default (`CHROMA_DB_PATH`
overrides the path); a Chroma server when `CHROMA_HOST`/`CHROMA_PORT` are set
(`CHROMA_AUTH_TOKEN` is sent as ``Authorization: Bearer``). chromadb is
imported on first use only (it costs ~1.7 s).

We pass vectors ourselves and open collections with ``embedding_function=None``:
Chroma then never instantiates its default ONNX embedder (which would try to
download a model), and no custom function has to be registered. Each
collection name carries the embedder id (``struggles__minilm-l6-v2``) so two
vector spaces never mix; all collections use cosine distance.
"""

from __future__ import annotations

import gc
import glob
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .heap import fill_allocated_memory
from .paths import tighten

log = logging.getLogger(__name__)

STRUGGLES = "struggles"
SUMMARIES = "summaries"
KINDS = (STRUGGLES, SUMMARIES)
# What embedded Chroma 1.5 writes in its folder: its SQLite database and one folder per
# segment (HNSW files), named by a UUID. Only these are ever tightened or erased: the
# folder may be one the learner chose (CHROMA_DB_PATH) and hold other things too.
_CHROMA_DB = "chroma.sqlite3"
_SEGMENT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PAGE = 1000  # records read or written per call (below Chroma's max batch of 5,461)


def collection_name(kind: str, embedder_id: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in embedder_id.lower())
    return f"{kind}__{safe}"[:512]


@dataclass(frozen=True)
class ChromaTarget:
    """Where the index lives: a local path, or a server."""

    path: Path | None = None
    host: str | None = None
    port: int | None = None
    token: str | None = None
    ssl: bool = False

    @classmethod
    def from_env(cls, default_path: Path, env: Mapping[str, str] | None = None) -> ChromaTarget:
        env = os.environ if env is None else env
        host, port = env.get("CHROMA_HOST"), env.get("CHROMA_PORT")
        if host or port:
            return cls(
                host=host or "localhost",
                port=int(port or 8000),
                token=env.get("CHROMA_AUTH_TOKEN") or None,
                ssl=(env.get("CHROMA_SSL", "").lower() in ("1", "true", "yes")),
            )
        path = env.get("CHROMA_DB_PATH")
        return cls(path=Path(path).expanduser() if path else default_path)

    def describe(self) -> str:
        return f"chroma server {self.host}:{self.port}" if self.host else f"chroma at {self.path}"


class ChromaIndex:
    """Lazily connected Chroma collections for one embedder. Thread-safe."""

    def __init__(self, target: ChromaTarget, embedder_id: str) -> None:
        self.target = target
        self.embedder_id = embedder_id
        self._lock = threading.RLock()
        self._client: Any = None
        self._collections: dict[str, Any] = {}

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import chromadb
                from chromadb.config import Settings

                settings = Settings(anonymized_telemetry=False)
                if self.target.host:
                    headers = {"Authorization": f"Bearer {self.target.token}"} if self.target.token else None
                    self._client = chromadb.HttpClient(
                        host=self.target.host,
                        port=self.target.port or 8000,
                        ssl=self.target.ssl,
                        headers=headers,
                        settings=settings,
                    )
                else:
                    assert self.target.path is not None
                    fill_allocated_memory()  # before Chroma allocates the buffers its segment files are written from
                    self.target.path.mkdir(mode=0o700, parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(self.target.path), settings=settings)
                    self._tighten_local()  # an index written before files were kept private
            return self._client

    def _chroma_entries(self, folder: Path) -> list[Path]:
        """What embedded Chroma wrote in `folder`: its database (and companions) and segment folders."""
        try:
            names = os.listdir(folder)
        except OSError:
            return []
        return [folder / n for n in sorted(names) if n.startswith(_CHROMA_DB) or _SEGMENT.fullmatch(n)]

    def _tighten_local(self) -> None:
        if self.target.path is not None:
            tighten(self._chroma_entries(self.target.path))

    def release(self) -> None:
        """Let go of the client and the files it holds open; the next use opens them again."""
        with self._lock:
            client, self._client, self._collections = self._client, None, {}
            if client is not None:
                try:
                    client.close()  # Chroma shares one system per path in a process, counted: ours goes
                except Exception as error:  # noqa: BLE001
                    log.debug("chroma: closing the client failed (%s)", error)
            gc.collect()  # the Rust side closes its files when its objects are collected (the server disables gc)

    def _let_go_of_files(self) -> None:
        """Before the local index's files are moved or deleted: no Chroma system in this process
        may keep them (or what it read from them) for a later client to write back."""
        self.release()
        try:  # another client on this path, or a broken index whose client never opened
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        except Exception:  # noqa: BLE001
            pass
        gc.collect()

    def name(self, kind: str) -> str:
        return collection_name(kind, self.embedder_id)

    def set_aside_local(self) -> Path | None:
        """A local index that cannot be opened (corrupted files): move it aside so a fresh
        one can be rebuilt from the event log. Returns where it went (None for a server)."""
        if self.target.host or self.target.path is None:
            return None
        with self._lock:
            self._let_go_of_files()
            if not self.target.path.exists():
                return None
            aside = self.target.path.with_name(f"{self.target.path.name}.broken-{int(time.time())}")
            self.target.path.rename(aside)
            return aside

    def collection(self, kind: str) -> Any:
        with self._lock:
            col = self._collections.get(kind)
            if col is None:
                col = self.client().get_or_create_collection(
                    self.name(kind),
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={"embedder": self.embedder_id, "kind": kind},
                )
                self._collections[kind] = col
            return col

    def upsert(
        self,
        kind: str,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[Mapping[str, Any]],
    ) -> None:
        if not ids:
            return
        self._upsert(self.collection(kind), ids, vectors, documents, metadatas)
        # Embedded Chroma creates a segment folder at a collection's first write: private
        # even in a process whose umask is not the coach's (a library user, a test).
        self._tighten_local()

    @staticmethod
    def _upsert(col: Any, ids: Sequence[str], vectors: Sequence[Sequence[float]], documents: Sequence[str],
                metadatas: Sequence[Mapping[str, Any]]) -> None:
        for i in range(0, len(ids), _PAGE):
            col.upsert(
                ids=list(ids[i : i + _PAGE]),
                embeddings=[list(v) for v in vectors[i : i + _PAGE]],
                documents=list(documents[i : i + _PAGE]),
                metadatas=[dict(m) for m in metadatas[i : i + _PAGE]],
            )

    def query(
        self, kind: str, vector: Sequence[float], k: int, where: Mapping[str, Any] | None = None
    ) -> list[tuple[str, float, dict[str, Any], str]]:
        """(id, cosine distance, metadata, document), nearest first."""
        col = self.collection(kind)
        count = col.count()
        if count == 0 or k <= 0:
            return []
        result = col.query(
            query_embeddings=[list(vector)],
            n_results=min(k, count),
            where=dict(where) if where else None,
            include=["metadatas", "distances", "documents"],
        )
        ids = result["ids"][0]
        return [
            (ids[i], float(result["distances"][0][i]), dict(result["metadatas"][0][i] or {}), result["documents"][0][i] or "")
            for i in range(len(ids))
        ]

    def count(self, kind: str) -> int:
        return int(self.collection(kind).count())

    def delete_where(self, kind: str, where: Mapping[str, Any], *, all_embedders: bool = False) -> None:
        """Delete matching records from this embedder's collection (or every embedder's)."""
        with self._lock:
            self.collection(kind).delete(where=dict(where))
            if all_embedders:
                client = self.client()
                for col in client.list_collections():
                    col_name = col if isinstance(col, str) else col.name
                    if col_name.startswith(kind + "__") and col_name != self.name(kind):
                        client.get_collection(col_name, embedding_function=None).delete(where=dict(where))

    def delete_ids(self, kind: str, ids: Sequence[str]) -> None:
        if ids:
            self.collection(kind).delete(ids=list(ids))

    def drop(self, kind: str, *, all_embedders: bool = False) -> None:
        """Delete the collection(s) of `kind` (for this embedder, or every embedder's)."""
        with self._lock:
            client = self.client()
            names = {self.name(kind)}
            if all_embedders:
                for col in client.list_collections():
                    col_name = col if isinstance(col, str) else col.name
                    if col_name.startswith(kind + "__"):
                        names.add(col_name)
            for col_name in names:
                try:
                    client.delete_collection(col_name)
                except Exception as error:  # noqa: BLE001 - missing collection: nothing to drop
                    log.debug("chroma: no collection %s to drop (%s)", col_name, error)
            self._collections.pop(kind, None)

    def record_count(self) -> int:
        """Records in every collection this index can see (every embedder's, both kinds)."""
        with self._lock:
            client = self.client()
            return sum(int(client.get_collection(_name(col), embedding_function=None).count())
                       for col in client.list_collections())

    def erase(self) -> dict[str, int]:
        """Remove everything of this index, files included. Returns what went, by kind.

        Embedded: the client lets go of its files, then Chroma's database and every segment
        folder are deleted (and copies set aside as broken), so nothing deleted lingers in
        free pages or in orphaned segment files; the index starts empty at the next use.
        Server: every collection is deleted; what the server keeps in its own files is the
        server's.
        """
        with self._lock:
            if self.target.host:
                client = self.client()
                names = [_name(col) for col in client.list_collections()]
                for name in names:
                    client.delete_collection(name)
                self._collections = {}
                return {"collections": len(names)}
            assert self.target.path is not None
            self._let_go_of_files()
            removed = {"segment folders": 0, "database files": 0, "set-aside copies": 0}
            for entry in self._chroma_entries(self.target.path):
                removed["segment folders" if entry.is_dir() else "database files"] += 1
                _delete(entry)
            for aside in self.target.path.parent.glob(f"{glob.escape(self.target.path.name)}.broken-*"):
                for entry in self._chroma_entries(aside):
                    _delete(entry)
                try:
                    aside.rmdir()
                    removed["set-aside copies"] += 1
                except OSError:  # something else is in it: not ours to delete
                    log.warning("memory: %s holds files that are not the index's; left in place", aside)
            return removed

    def forget_before(self, cutoff: float) -> dict[str, int]:
        """Remove every record older than `cutoff` (its `ts`), in every collection of this index.

        Embedded: deleting records from Chroma leaves their text in free pages of its database
        and their vectors in the segment files, so the records to keep are read out,
        everything is erased, and they are written back (vectors and all: nothing is embedded
        again). Server: a plain delete. Returns "records removed"
        and "records kept".
        """
        with self._lock:
            client = self.client()
            collections = [client.get_collection(_name(c), embedding_function=None) for c in client.list_collections()]
            before = sum(int(c.count()) for c in collections)
            if self.target.host:
                for col in collections:
                    col.delete(where={"ts": {"$lt": cutoff}})
                kept = sum(int(c.count()) for c in collections)
                return {"records removed": before - kept, "records kept": kept}
            keep = {"ts": {"$gte": cutoff}}
            saved = [(col.name, dict(col.metadata or {}), _space(col), _read_all(col, keep)) for col in collections]
            self.erase()
            client = self.client()
            kept = 0
            for name, metadata, space, (ids, vectors, documents, metadatas) in saved:
                col = client.get_or_create_collection(name, embedding_function=None, metadata=metadata or None,
                                                      configuration={"hnsw": {"space": space}})
                if ids:
                    self._upsert(col, ids, vectors, documents, metadatas)
                kept += len(ids)
            self._tighten_local()
            return {"records removed": before - kept, "records kept": kept}

    def heartbeat(self) -> bool:
        try:
            self.client().heartbeat()
            return True
        except Exception:  # noqa: BLE001
            return False


def _name(col: Any) -> str:
    return col if isinstance(col, str) else col.name


def _space(col: Any) -> str:
    config = getattr(col, "configuration_json", None) or {}
    return str((config.get("hnsw") or {}).get("space") or "cosine")


def _read_all(col: Any, where: Mapping[str, Any]) -> tuple[list, list, list, list]:
    ids: list[str] = []
    vectors: list[list[float]] = []
    documents: list[str] = []
    metadatas: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = col.get(where=dict(where), include=["embeddings", "documents", "metadatas"], limit=_PAGE,
                       offset=offset)
        if not page["ids"]:
            return ids, vectors, documents, metadatas
        ids += page["ids"]
        vectors += [list(map(float, v)) for v in page["embeddings"]]
        documents += [d or "" for d in page["documents"]]
        metadatas += [dict(m or {}) for m in page["metadatas"]]
        offset += len(page["ids"])


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)

