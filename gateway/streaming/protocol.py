"""The WebSocket protocol of `/v1/stream`: what a client may send, what the server answers, and how
the socket is closed.

Server messages are JSON objects. Updates carry both `text` (a finalized segment, else "") and
`partial` (the interim text, else ""), as the reference page shows them, so a client may read either
field of any update; `ready` carries `text` too, because the official SDK's example callback reads
`data["text"]` from every message. Errors are `{"error": ..., "code": <HTTP status>}`.

Close codes: 1000 after the final message; 1009 for a frame over the size limit; otherwise 4000 plus
the HTTP status of the error that ended the stream (4400 bad config, 4401 bad key, 4402 credits or
free minutes ran out, 4408 nothing received for too long, 4413 more audio than the tier allows, 4429
rate or concurrency limit, 4500 internal error, 4503 the ASR service is unavailable).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gateway.exports.transcript_json import segment_json, transcript_json
from stt.v1 import asr_pb2

NORMAL_CLOSE = 1000
MESSAGE_TOO_BIG = 1009


def close_code(status: int) -> int:
    """The close code for an error answered with HTTP `status`."""
    return 4000 + status if 400 <= status < 600 else 4500


class ClientMessageError(ValueError):
    """A message the stream cannot use; it is answered with an error and the stream goes on."""


_MAX_FIELD = 100


@dataclass(frozen=True)
class StreamConfig:
    model: str = ""
    language: str = "auto"
    diarize: bool | None = None
    """Finalized segments carry `speaker`; None (not said) is true, as for file transcripts."""


def parse_flag(value: str | None) -> bool | None:
    """A query-string boolean (`true`/`false`, `1`/`0`, `yes`/`no`); None when absent."""
    if value is None or value == "":
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ClientMessageError(f"'diarize' must be true or false, not {value[:_MAX_FIELD]!r}")


@dataclass(frozen=True)
class Stop:
    pass


def parse_text(frame: str) -> StreamConfig | Stop:
    """A text frame: `{"action": "stop"}`, or a config `{"language": ..., "model": ..., "diarize": ...}`."""
    try:
        message = json.loads(frame)
    except ValueError:
        raise ClientMessageError('text frames must be JSON: a config or {"action": "stop"}') from None
    if not isinstance(message, dict):
        raise ClientMessageError("text frames must be JSON objects")
    action = message.get("action")
    if action is not None:
        if action == "stop":
            return Stop()
        raise ClientMessageError(f"unknown action {str(action)[:_MAX_FIELD]!r}; the only action is 'stop'")
    model, language = message.get("model", ""), message.get("language", "auto")
    if not isinstance(model, str) or not isinstance(language, str):
        raise ClientMessageError("'model' and 'language' must be strings")
    if len(model) > _MAX_FIELD or len(language) > _MAX_FIELD:
        raise ClientMessageError("'model' or 'language' is too long")
    diarize = message.get("diarize")
    if diarize is not None and not isinstance(diarize, bool):
        raise ClientMessageError("'diarize' must be true or false")
    return StreamConfig(model=model, language=language or "auto", diarize=diarize)


def ready_message(ready: asr_pb2.StreamReady) -> dict[str, Any]:
    return {"status": "ready", "text": "", "model": ready.model, "requested_model": ready.requested_model}


def partial_message(partial: asr_pb2.StreamPartial) -> dict[str, Any]:
    return {"text": "", "partial": partial.text, "start": round(partial.start, 3), "is_final": False}


def segment_message(segment: asr_pb2.Segment) -> dict[str, Any]:
    return {**segment_json(segment), "partial": "", "is_final": False}


def final_message(transcript: asr_pb2.Transcript, transcript_id: str | None) -> dict[str, Any]:
    shaped = transcript_json(transcript)
    if transcript_id is not None:
        shaped = {"id": transcript_id, **shaped}
    return {**shaped, "partial": "", "is_final": True, "final": True}


def error_message(status: int, message: str) -> dict[str, Any]:
    return {"error": message, "code": status}
