"""`WS /ws/stream`: a client's changes in, its analyses (and the status) out; messages in protocol.py.

The reader only parses and hands each message to `WebDocuments` (cheap, on the event
loop); the analysis itself is the live pipeline's, on the analysis worker, debounced per
document. A message the server cannot act on gets an error and the connection stays open.
"""

from __future__ import annotations

import itertools
import logging

from fastapi import WebSocket, WebSocketDisconnect

from . import protocol
from .documents import Peer
from .outbox import Outbox

log = logging.getLogger("codecoach")

_numbers = itertools.count(1)


async def stream(websocket: WebSocket) -> None:
    documents = websocket.app.state.web.documents
    await websocket.accept()
    name = f"ws{next(_numbers)}"
    peer = Peer(Outbox(websocket.send_text, name), name)
    documents.connected(peer)
    log.debug("%s connected from %s", name, websocket.client)
    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                break
            text = frame.get("text")
            if text is None:
                peer.outbox.push(protocol.error("send JSON as text frames, not binary"))
            else:
                _handle(documents, peer, text)
            await peer.outbox.room()
            if peer.outbox.closed:
                break
    except WebSocketDisconnect:
        pass
    finally:
        documents.disconnected(peer)
        await peer.outbox.close()
        log.debug("%s disconnected", name)


def _handle(documents, peer: Peer, text: str) -> None:
    try:
        message = protocol.parse(text)
        if isinstance(message, protocol.Change):
            documents.change(peer, message)
        elif isinstance(message, protocol.Close):
            documents.close(peer, message.path)
        else:
            documents.subscribe(peer)
    except protocol.BadMessage as error:
        peer.outbox.push(protocol.error(str(error)))
    except Exception:  # noqa: BLE001 - one bad message must not end the connection or the server
        log.exception("%s: a message could not be handled", peer.name)
        peer.outbox.push(protocol.error("the server could not handle that message; see its log"))
