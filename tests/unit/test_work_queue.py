"""`WorkQueue.stream`: a generator run on one worker thread, its items handed to the event loop as each
is made, held back while the reader is behind, stopped when the reader leaves."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator

import pytest

from services.common.work_queue import WorkQueue


class Producer:
    def __init__(self, count: int, fail_at: int = -1) -> None:
        self.count, self.fail_at = count, fail_at
        self.made = 0
        self.threads: set[int] = set()
        self.closed = threading.Event()

    def items(self) -> Generator[int, None, None]:
        try:
            for number in range(self.count):
                if number == self.fail_at:
                    raise ValueError("the work failed")
                self.threads.add(threading.get_ident())
                self.made += 1
                yield number
        finally:
            self.closed.set()


async def test_items_come_in_order_from_one_worker_thread() -> None:
    producer = Producer(50)
    queue = WorkQueue("test", workers=2, max_waiting=2, work="test")
    assert [item async for item in queue.stream(producer.items)] == list(range(50))
    assert len(producer.threads) == 1 and threading.get_ident() not in producer.threads
    assert producer.closed.is_set()


async def test_a_slow_reader_holds_the_worker_back() -> None:
    producer = Producer(100)
    queue = WorkQueue("test", workers=1, max_waiting=2, work="test")
    items = queue.stream(producer.items, ahead=4)
    assert await anext(items) == 0
    await asyncio.sleep(0.5)  # the worker could make all 100 in this time
    assert producer.made <= 1 + 4 + 1  # read, waiting to be read, and the one it holds
    assert [item async for item in items] == list(range(1, 100))


async def test_a_reader_that_leaves_stops_the_worker() -> None:
    producer = Producer(10_000)
    queue = WorkQueue("test", workers=1, max_waiting=2, work="test")
    items = queue.stream(producer.items, ahead=2)
    assert [await anext(items), await anext(items)] == [0, 1]
    await items.aclose()
    assert await asyncio.to_thread(producer.closed.wait, 10)
    assert producer.made < 10
    # The worker is free again for the next work.
    assert await queue.run(lambda: "next") == "next"


async def test_the_workers_failure_reaches_the_reader_after_the_items_made() -> None:
    producer = Producer(10, fail_at=3)
    queue = WorkQueue("test", workers=1, max_waiting=2, work="test")
    seen = []
    with pytest.raises(ValueError, match="the work failed"):
        async for item in queue.stream(producer.items):
            seen.append(item)
    assert seen == [0, 1, 2]
