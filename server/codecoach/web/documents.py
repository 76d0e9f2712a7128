"""The web server as `live.Frontend`: documents streamed over `/ws/stream`, and who sees them.

One server is one learner's coach (one memory, one token), so a document is keyed by its
path alone: two connections that send `lesson.py` are the same file of the same learner
(the watcher and an editor plugin, or a reconnect), and share one document, one debounce
and one history; connections with different paths never touch each other's documents.
(Per-connection keys would record every reconnect as a new file; keys per learner inside
one server would need one memory per learner, which a Coach does not have.)

Versions are the client's and are checked per connection: a change must carry a version
above the last one that connection sent for the path, or it is refused as out of order.
Inside, each accepted text gets the document's next revision, and the live pipeline
compares revisions, so a result is never published for a text that is gone, whichever
connection sent the newer one. Every analysis goes to every connection that has the
document open and to the followers (dashboards), labelled with the client version of the
text it is for.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..analysis.document import Report
from ..analysis.signals import edit_between
from . import protocol
from .outbox import Outbox

if TYPE_CHECKING:
    from ..coach import Coach
    from ..live import LiveDocuments

log = logging.getLogger("codecoach")


@dataclass(eq=False)
class Peer:
    """One WebSocket connection: its outbox, the versions it sent, whether it follows everything."""

    outbox: Outbox
    name: str
    versions: dict[str, int] = field(default_factory=dict)  # path -> last version it sent
    follows: bool = False


@dataclass(eq=False)
class Document:
    path: str
    text: str
    revision: int  # what the live pipeline compares: one per accepted text, from any connection
    version: int  # the client's version of `text`
    editors: set[Peer] = field(default_factory=set)
    last: str | None = None  # the last message published for it (a dashboard that subscribes gets it)


class WebDocuments:
    def __init__(self, coach: Coach) -> None:
        self.coach = coach
        self.live: LiveDocuments | None = None  # set by the app once the pipeline exists
        self.documents: dict[str, Document] = {}
        self.peers: set[Peer] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- live.Frontend ----------------------------------------------------------------
    def current(self, uri: str) -> tuple[str, int | None] | None:
        document = self.documents.get(uri)
        return (document.text, document.revision) if document is not None else None

    def publish(self, uri: str, report: Report) -> None:
        document = self.documents.get(uri)
        if document is None or report.version != document.revision:
            return  # a text that is gone
        self._send(document, protocol.analysis(document.path, document.version, report))

    def too_large(self, uri: str, size: int, version: int | None, message: str) -> None:
        document = self.documents.get(uri)
        if document is not None and version == document.revision:
            self._send(document, protocol.skipped(document.path, document.version, message))

    def remembered(self, uri: str) -> None:
        self._to_followers(protocol.remembered(uri))

    # -- what the connections say -------------------------------------------------------
    def connected(self, peer: Peer) -> None:
        self.peers.add(peer)
        peer.outbox.push(protocol.status(self.coach.status()), key="status")

    def change(self, peer: Peer, change: protocol.Change) -> None:
        last = peer.versions.get(change.path)
        if last is not None and change.version <= last:
            raise protocol.BadMessage(f"{change.path}: version {change.version} is not newer than version {last} "
                                      "this connection already sent; ignored")
        peer.versions[change.path] = change.version
        live = self._live()
        document = self.documents.get(change.path)
        if document is None:
            document = Document(change.path, change.text, revision=1, version=change.version, editors={peer})
            self.documents[change.path] = document
            live.opened(change.path)  # analyzed at once: the first findings should come fast
            return
        document.editors.add(peer)
        edit = edit_between(document.text, change.text, time.time()) if self.coach.is_open(change.path) else None
        if edit is not None:
            self.coach.record_edit(change.path, edit)  # the behaviour signals see it as they see an editor's edits
        document.text, document.version = change.text, change.version
        document.revision += 1
        live.changed(change.path)

    def close(self, peer: Peer, path: str) -> None:
        """The connection is done with `path`; the document closes (and settles) when nobody has it open."""
        peer.versions.pop(path, None)
        document = self.documents.get(path)
        if document is None:
            return
        document.editors.discard(peer)
        if not document.editors:
            del self.documents[path]
            self._live().closed(path)
            self._to_followers(protocol.remembered(path))

    def subscribe(self, peer: Peer) -> None:
        peer.follows = True
        for document in self.documents.values():
            if document.last is not None:
                peer.outbox.push(document.last, key=("analysis", document.path))

    def disconnected(self, peer: Peer) -> None:
        self.peers.discard(peer)
        for path in list(peer.versions):
            self.close(peer, path)

    # -- status -------------------------------------------------------------------------
    def status_changed(self, _payload: dict | None = None) -> None:
        """From any thread: the cloud or the memory changed state; every connection hears it."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.send_status)

    def send_status(self) -> None:
        text = protocol.status(self.coach.status())
        for peer in self.peers:
            peer.outbox.push(text, key="status")

    # -- plumbing -------------------------------------------------------------------------
    def _live(self) -> LiveDocuments:
        if self.live is None:
            raise RuntimeError("the live pipeline is not running")
        return self.live

    def _send(self, document: Document, text: str) -> None:
        document.last = text
        key = ("analysis", document.path)
        for peer in document.editors:
            peer.outbox.push(text, key=key)
        for peer in self.peers:
            if peer.follows and peer not in document.editors:
                peer.outbox.push(text, key=key)

    def _to_followers(self, text: str) -> None:
        for peer in self.peers:
            if peer.follows:
                peer.outbox.push(text)
