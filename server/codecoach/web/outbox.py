"""One connection's outgoing messages: sent in order by one task, the newest analysis winning.

The live pipeline publishes from the event loop and must never wait for a slow client,
so publishing only queues. A queued analysis of a path that has not gone out yet is
replaced by the newer one in place (a client wants the latest version, not every
version, and the order of paths is kept); every other message is sent as queued. A
client that stops reading therefore holds at most one analysis per document plus a
few other messages, and the reader of its own frames waits (`room`) once that many
are queued, so it cannot flood the server with requests whose answers it never reads.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger("codecoach")

# Messages other than analyses that may wait for a slow client before its reader waits too.
ROOM = 64


class Outbox:
    def __init__(self, send: Callable[[str], Awaitable[None]], name: str) -> None:
        self._items: OrderedDict[Hashable, str] = OrderedDict()
        self._ready = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._unique = itertools.count()
        self._closed = False
        self._task = asyncio.get_running_loop().create_task(self._run(send), name=f"codecoach-outbox-{name}")

    def push(self, text: str, key: Hashable | None = None) -> None:
        """Queue `text`; a message with the same `key` still waiting is replaced where it stands."""
        if self._closed:
            return
        self._items[key if key is not None else ("once", next(self._unique))] = text
        self._ready.set()
        if len(self._items) >= ROOM:
            self._room.clear()

    async def room(self) -> None:
        """Wait until the client has read enough of what it was sent (backpressure on its reader)."""
        await self._room.wait()

    @property
    def closed(self) -> bool:
        return self._closed

    async def _run(self, send: Callable[[str], Awaitable[None]]) -> None:
        try:
            while True:
                await self._ready.wait()
                while self._items:
                    _key, text = self._items.popitem(last=False)
                    if len(self._items) < ROOM:
                        self._room.set()
                    await send(text)
                self._ready.clear()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - the client went away: nothing more to send
            log.debug("Outbox %s stopped: %s", self._task.get_name(), error)
        finally:
            self._closed = True
            self._items.clear()
            self._room.set()

    async def close(self) -> None:
        self._closed = True
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):  # noqa: BLE001
            pass
