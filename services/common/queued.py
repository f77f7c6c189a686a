"""Reading what a piece of work reports while it runs: its reports are put on a queue (from any thread,
through the loop), and a reader takes them in order until the work is done and the queue empty."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

Item = TypeVar("Item")


async def queued_while(work: asyncio.Future[Any], reports: asyncio.Queue[Item]) -> AsyncIterator[Item]:
    """Each report as it arrives while `work` runs, then those left once it is done."""
    while not work.done() or not reports.empty():
        taken = asyncio.ensure_future(reports.get())
        try:
            await asyncio.wait({work, taken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not taken.done():
                taken.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await taken
        if not taken.cancelled():
            yield taken.result()
