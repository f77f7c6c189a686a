"""A real WebSocket client of `/v1/stream` for tests and benchmarks: sends 16 kHz PCM paced like a
microphone (or as fast as the socket takes it) in either dialect, and records every message with the
time it arrived."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import websockets

from services.common.media import decode

FRAME_BYTES = 3200  # 0.1 s of 16-bit 16 kHz mono, about what a browser's audio callback sends
BYTES_PER_SECOND = 32_000


def pcm16(samples: np.ndarray) -> bytes:
    """Float samples as the 16-bit PCM a stream sends."""
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def pcm_of(path: Path, trailing_silence_s: float = 0.0) -> bytes:
    samples = decode(path)
    return pcm16(np.concatenate([samples, np.zeros(int(trailing_silence_s * 16_000), dtype=np.float32)]))


@dataclass
class Received:
    at: float
    """Seconds since the first audio was sent."""
    message: dict[str, Any]


@dataclass
class StreamRun:
    received: list[Received] = field(default_factory=list)
    close_code: int | None = None
    audio_sent_at: float = 0.0
    """When the last audio left the client (seconds since the first audio)."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [r.message for r in self.received]

    @property
    def partials(self) -> list[Received]:
        return [r for r in self.received if r.message.get("partial") and not r.message.get("final")]

    @property
    def segments(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("text") and "end" in m and not m.get("final")]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if "error" in m]

    @property
    def final(self) -> dict[str, Any] | None:
        finals = [m for m in self.messages if m.get("final")]
        return finals[-1] if finals else None

    @property
    def final_at(self) -> float:
        return next(r.at for r in self.received if r.message.get("final"))


async def stream(
    url: str,
    pcm: bytes,
    *,
    dialect: int = 1,
    config: dict[str, Any] | None = None,
    realtime: bool = True,
    frame_bytes: int = FRAME_BYTES,
    headers: dict[str, str] | None = None,
    before_audio: list[str | bytes] | None = None,
    after_stop: list[str | bytes] | None = None,
) -> StreamRun:
    """Streams `pcm` and returns everything the server said until it closed the socket.
    Dialect 1 sends `config` and waits for `ready`; dialect 2 sends audio at once and ends it with an
    empty binary frame (the query string of `url` carries its settings)."""
    run = StreamRun()
    async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
        started = time.perf_counter()

        async def receive() -> None:
            try:
                async for raw in ws:
                    run.received.append(Received(time.perf_counter() - started, json.loads(raw)))
            except websockets.ConnectionClosed:
                pass

        if dialect == 1:
            try:
                await ws.send(json.dumps(config or {"language": "en", "model": "base"}))
            except websockets.ConnectionClosed:  # refused on connecting (a busy slot, a bad key): the
                await receive()  # reason came before the close and is still to be read
                run.close_code = ws.close_code
                return run
            ready = json.loads(await ws.recv())
            run.received.append(Received(0.0, ready))
            if ready.get("status") != "ready":
                await receive()
                run.close_code = ws.close_code
                return run
        receiver = asyncio.create_task(receive())
        started = time.perf_counter()
        try:  # the server may close the socket while audio is still going out (an error ended it)
            for message in before_audio or []:
                await ws.send(message)
            for offset in range(0, len(pcm), frame_bytes):
                await ws.send(pcm[offset : offset + frame_bytes])
                if realtime:
                    due = started + (offset + frame_bytes) / BYTES_PER_SECOND
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
            run.audio_sent_at = time.perf_counter() - started
            await ws.send(json.dumps({"action": "stop"}) if dialect == 1 else b"")
            for message in after_stop or []:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass
        await receiver
        run.close_code = ws.close_code
    return run


def ws_url(http_url: str, query: str = "") -> str:
    return http_url.replace("http://", "ws://") + "/v1/stream" + (f"?{query}" if query else "")
