"""The bounded work queue in front of the models: a fixed number of workers, a bounded wait list whose
depth is the metric an autoscaler reads, and a refusal instead of an unbounded backlog."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import AsyncGenerator, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from prometheus_client import Gauge

from services.common.errors import BusyError

QUEUE_DEPTH = Gauge("stt_queue_depth", "Work waiting for a worker", ["queue"])
IN_FLIGHT = Gauge("stt_in_flight", "Work running on a worker", ["queue"])

T = TypeVar("T")


class QueueFullError(BusyError):
    """Every worker is busy and the waiting line is full."""


class WorkQueue:
    def __init__(self, name: str, workers: int, max_waiting: int, work: str) -> None:
        """`name` labels the metrics and threads (the ASR's `files` and `streams`, `translations`);
        `work` is what a refusal says is queued ("transcription")."""
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._work = work
        self._depth = QUEUE_DEPTH.labels(name)
        self._in_flight = IN_FLIGHT.labels(name)
        self._workers = workers
        self._max_waiting = max_waiting
        self._waiting = 0
        self._slots: asyncio.Semaphore | None = None

    async def run(self, work: Callable[[], T]) -> T:
        """Runs `work` on a worker thread once one is free. A caller that goes away stops waiting at
        once; work already running finishes on its thread and only then frees its worker."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._workers)
        slots = self._slots
        if slots.locked() and self._waiting >= self._max_waiting:
            raise QueueFullError(f"the {self._work} queue is full ({self._max_waiting} waiting)")
        self._waiting += 1
        self._depth.set(self._waiting)
        try:
            await slots.acquire()
        finally:
            self._waiting -= 1
            self._depth.set(self._waiting)
        self._in_flight.inc()
        context = contextvars.copy_context()  # the worker logs with the caller's request id
        future = asyncio.get_running_loop().run_in_executor(self._executor, context.run, work)

        def release(done: asyncio.Future[T]) -> None:
            self._in_flight.dec()
            slots.release()
            if not done.cancelled():
                done.exception()  # retrieved here: a caller that left no longer awaits it

        future.add_done_callback(release)
        return await asyncio.shield(future)

    async def stream(
        self, produce: Callable[[], Generator[T, None, None]], ahead: int = 4
    ) -> AsyncGenerator[T, None]:
        """The items of `produce()`, made on one worker thread (as `run` runs work) and handed over as
        each is made. The worker waits while `ahead` items are unread, so a slow reader holds it back
        instead of items piling up; a reader that goes away stops it at its next item."""
        loop = asyncio.get_running_loop()
        items: asyncio.Queue[tuple[T] | None] = asyncio.Queue()  # None: no more
        room = threading.Semaphore(ahead)
        gone = threading.Event()

        def work() -> None:
            made = produce()
            try:
                for item in made:
                    while not room.acquire(timeout=0.1):
                        if gone.is_set():
                            return
                    loop.call_soon_threadsafe(items.put_nowait, (item,))
            finally:
                made.close()

        def ended(job: asyncio.Future[None]) -> None:
            items.put_nowait(None)
            if not job.cancelled():
                job.exception()  # retrieved here: a reader that left no longer awaits it

        job = asyncio.ensure_future(self.run(work))
        job.add_done_callback(ended)
        try:
            while (item := await items.get()) is not None:
                room.release()
                yield item[0]
            await job  # the worker's failure, if it failed
        finally:
            gone.set()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
