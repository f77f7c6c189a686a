"""`WS /v1/stream`: live transcription; the protocol is in `gateway/streaming/protocol.py`, the relay
in `gateway/streaming/session.py`."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from gateway.streaming.session import LiveSession

router = APIRouter(tags=["transcription"])


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket) -> None:
    state = websocket.app.state
    await LiveSession(websocket, state.settings, state.asr, state.credits, state.limits).run()
