"""A connection's outbox: in order, a newer analysis of a path replaces one not sent yet, backpressure."""

from __future__ import annotations

import asyncio

from codecoach.web import outbox
from codecoach.web.outbox import Outbox


async def test_order_is_kept_and_a_waiting_analysis_is_replaced_in_place():
    sent: list[str] = []
    gate = asyncio.Event()

    async def send(text: str) -> None:
        await gate.wait()  # a slow client: nothing leaves until it reads
        sent.append(text)

    box = Outbox(send, "test")
    box.push("status-1", key="status")
    await asyncio.sleep(0)  # the sender takes the first message and waits on the client
    box.push("a.py v1", key=("analysis", "a.py"))
    box.push("b.py v1", key=("analysis", "b.py"))
    box.push("error", key=None)
    box.push("a.py v2", key=("analysis", "a.py"))  # newer, while v1 still waits: it takes v1's place
    box.push("error", key=None)  # errors are never merged
    gate.set()
    for _ in range(50):
        await asyncio.sleep(0)
    assert sent == ["status-1", "a.py v2", "b.py v1", "error", "error"]
    await box.close()


async def test_a_client_that_does_not_read_makes_its_reader_wait():
    gate = asyncio.Event()

    async def send(_text: str) -> None:
        await gate.wait()

    box = Outbox(send, "slow")
    for n in range(outbox.ROOM + 5):
        box.push(f"error {n}")
    waiting = asyncio.ensure_future(box.room())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    gate.set()
    await asyncio.wait_for(waiting, 2)
    await box.close()


async def test_a_client_gone_closes_the_outbox():
    async def send(_text: str) -> None:
        raise ConnectionError("gone")

    box = Outbox(send, "gone")
    box.push("x")
    for _ in range(10):
        await asyncio.sleep(0)
    assert box.closed
    box.push("y")  # a no-op now
    await box.close()
