"""Work is cancelled when the client goes away: a transcription nobody waits for is stopped (the gRPC
call is cancelled, and the ASR service stops decoding at its next window)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import Request

from gateway.errors import ApiError

T = TypeVar("T")

# nginx's code for "client closed request": logged and counted, never seen by the departed client.
CLIENT_CLOSED_REQUEST = 499


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T:
    """Awaits `work`, cancelling it if the client disconnects first. Call only once the body is read."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if not task.done():
        task.cancel()
        raise ApiError(CLIENT_CLOSED_REQUEST, "the client closed the request")
    return task.result()
