"""`WS /v1/stream`: live transcription; the protocol is in `gateway/streaming/protocol.py`, the relay
in `gateway/streaming/session.py`."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from gateway.intelligence.retrieval import index_completed
from gateway.state import state_of
from gateway.streaming.session import LiveSession
from services.common.request_id import current_request_id

router = APIRouter(tags=["transcription"])


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket) -> None:
    state = state_of(websocket)
    session = LiveSession(websocket, state)
    await session.run()
    if session.transcript_id is not None:  # the socket is closed: the client waits for nothing here
        await index_completed(state.sessions, session.transcript_id, state.embed, current_request_id.get())
