"""The Chroma index: a rebuildable view of the event log for similarity search.

Embedded `PersistentClient` under the data dir by default (`CHROMA_DB_PATH`
overrides the path); a Chroma server when `CHROMA_HOST`/`CHROMA_PORT` are set
(`CHROMA_AUTH_TOKEN` is sent as ``Authorization: Bearer``). chromadb is
imported on first use only (it costs ~1.7 s).

A server is shared (a classroom), so each learner's collections live in a
database of their own, Chroma's own tenancy: tenant ``codecoach``, database
``learner-<hash>`` where the hash is of `CODECOACH_LEARNER`, or by default of the
OS user and the machine's name (never the names themselves). Every read, write
and delete goes through a client bound to that database, so one learner's
retrievals never cite another's files and one learner's `forget` cannot touch
another's index. The server is reached over TLS unless it is on this machine
(`CHROMA_SSL=1`; `CHROMA_ALLOW_INSECURE=1` accepts plain http on a trusted network).

We pass vectors ourselves and open collections with ``embedding_function=None``:
Chroma then never instantiates its default ONNX embedder (which would try to
download a model), and no custom function has to be registered. Each
collection name carries the embedder id (``struggles__minilm-l6-v2``) so two
vector spaces never mix; all collections use cosine distance.
"""

from __future__ import annotations

import gc
import glob
import hashlib
import logging
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..providers.keys import is_loopback
from .heap import fill_allocated_memory
from .paths import tighten

log = logging.getLogger(__name__)

STRUGGLES = "struggles"
SUMMARIES = "summaries"
KINDS = (STRUGGLES, SUMMARIES)
TENANT = "codecoach"
LEARNER_VARIABLE = "CODECOACH_LEARNER"
_TRUE = ("1", "true", "yes", "on")
# What embedded Chroma 1.5 writes in its folder: its SQLite database and one folder per
# segment (HNSW files), named by a UUID. Only these are ever tightened or erased: the
# folder may be one the learner chose (CHROMA_DB_PATH) and hold other things too.
_CHROMA_DB = "chroma.sqlite3"
_SEGMENT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PAGE = 1000  # records read or written per call (below Chroma's max batch of 5,461)


class InsecureChromaTarget(ValueError):
    """A Chroma server elsewhere over plain http: code and token would cross the network in clear."""


def learner_id(env: Mapping[str, str] | None = None) -> str:
    """Who the index belongs to on a shared server: `CODECOACH_LEARNER`, else `user@machine`."""
    env = os.environ if env is None else env
    chosen = (env.get(LEARNER_VARIABLE) or "").strip()
    if chosen:
        return chosen
    try:
        import getpass

        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container): the uid still tells users apart
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return f"{user}@{socket.gethostname()}"


def learner_database(learner: str) -> str:
    """The Chroma database of a learner: a hash of who they are, so the server never sees the name."""
    digest = hashlib.sha256(f"codecoach-learner\0{learner}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"learner-{digest[:32]}"


def collection_name(kind: str, embedder_id: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in embedder_id.lower())
    return f"{kind}__{safe}"[:512]


@dataclass(frozen=True)
class ChromaTarget:
    """Where the index lives: a local path, or a server (and whose database on it)."""

    path: Path | None = None
    host: str | None = None
    port: int | None = None
    token: str | None = field(default=None, repr=False)
    ssl: bool = False
    learner: str = field(default_factory=learner_id, repr=False)
    allow_insecure: bool = False

    @classmethod
    def from_env(cls, default_path: Path, env: Mapping[str, str] | None = None) -> ChromaTarget:
        env = os.environ if env is None else env
        host, port = env.get("CHROMA_HOST"), env.get("CHROMA_PORT")
        if host or port:
            return cls(
                host=host or "localhost",
                port=int(port or 8000),
                token=env.get("CHROMA_AUTH_TOKEN") or None,
                ssl=env.get("CHROMA_SSL", "").strip().lower() in _TRUE,
                learner=learner_id(env),
                allow_insecure=env.get("CHROMA_ALLOW_INSECURE", "").strip().lower() in _TRUE,
            )
        path = env.get("CHROMA_DB_PATH")
        return cls(path=Path(path).expanduser() if path else default_path)

    @property
    def database(self) -> str:
        return learner_database(self.learner)

    def describe(self) -> str:
        if self.host:
            return f"chroma server {self.host}:{self.port} ({TENANT}/{self.database})"
        return f"chroma at {self.path}"

    def check_transport(self) -> None:
        """Refuse plain http to a server that is not on this machine (InsecureChromaTarget)."""
        if self.host and not self.ssl and not self.allow_insecure and not is_loopback(self.host):
            raise InsecureChromaTarget(
                f"CHROMA_HOST={self.host} is not this machine and CHROMA_SSL is off: the learner's code and "
                "CHROMA_AUTH_TOKEN would cross the network in clear. Serve Chroma over TLS (behind a reverse "
                "proxy, see docs/memory.md) and set CHROMA_SSL=1, or set CHROMA_ALLOW_INSECURE=1 to accept "
                "plain http on a network you trust")


class ChromaIndex:
    """Lazily connected Chroma collections for one embedder. Thread-safe."""

    def __init__(self, target: ChromaTarget, embedder_id: str) -> None:
        self.target = target
        self.embedder_id = embedder_id
        self._lock = threading.RLock()
        self._client: Any = None
        self._admin_client: Any = None  # a server's tenants and databases
        self._collections: dict[str, Any] = {}

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import chromadb
                from chromadb.config import Settings

                settings = Settings(anonymized_telemetry=False)
                if self.target.host:
                    self.target.check_transport()
                    self._ensure_database()
                    self._client = chromadb.HttpClient(
                        host=self.target.host,
                        port=self.target.port or 8000,
                        ssl=self.target.ssl,
                        headers=self._headers(),
                        settings=settings,
                        tenant=TENANT,
                        database=self.target.database,
                    )
                else:
                    assert self.target.path is not None
                    fill_allocated_memory()  # before Chroma allocates the buffers its segment files are written from
                    self.target.path.mkdir(mode=0o700, parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(self.target.path), settings=settings)
                    self._tighten_local()  # an index written before files were kept private
            return self._client

    def _headers(self) -> dict[str, str] | None:
        return {"Authorization": f"Bearer {self.target.token}"} if self.target.token else None

    def _admin(self) -> Any:
        """Chroma's admin client for the server (tenants and databases), with the same token and TLS."""
        if self._admin_client is None:
            self._admin_client = self._new_admin()
        return self._admin_client

    def _new_admin(self) -> Any:
        import chromadb
        from chromadb.config import Settings

        return chromadb.AdminClient(Settings(
            anonymized_telemetry=False,
            chroma_api_impl="chromadb.api.fastapi.FastAPI",
            chroma_server_host=self.target.host,
            chroma_server_http_port=self.target.port or 8000,
            chroma_server_ssl_enabled=self.target.ssl,
            chroma_server_headers=self._headers(),
        ))

    def _ensure_database(self) -> None:
        """Create the `codecoach` tenant and this learner's database on the server if missing."""
        from chromadb.errors import NotFoundError

        admin = self._admin()
        for get, create in (
            (lambda: admin.get_tenant(TENANT), lambda: admin.create_tenant(TENANT)),
            (lambda: admin.get_database(self.target.database, tenant=TENANT),
             lambda: admin.create_database(self.target.database, tenant=TENANT)),
        ):
            try:
                get()
            except NotFoundError:
                try:
                    create()
                except Exception:  # noqa: BLE001 - another process of this learner created it first
                    get()

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
        """Remove everything of this learner's index, files included. Returns what went, by kind.

        Embedded: the client lets go of its files, then Chroma's database and every segment
        folder are deleted (and copies set aside as broken), so nothing deleted lingers in
        free pages or in orphaned segment files; the index starts empty at the next use.
        Server: every collection in the learner's database is deleted (the database stays:
        a classroom proxy may let a learner use their database but not create one); what the
        server keeps in its own files is the server's.
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
        again). Server: a plain delete in the learner's database. Returns "records removed"
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

