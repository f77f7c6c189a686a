"""A file transcribed as every transcription route and job does it: the quota held from the container's
duration (`hold_upload`), the file (or the audio service's cleaned answer) streamed to the ASR service,
the audio decoded charged, and the transcript stored for an account (`transcribe_held`). A failure costs
nothing and is stored with its error."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from gateway import tiers
from gateway.auth import Principal
from gateway.clients.asr import Audio
from gateway.credits import Hold
from gateway.disconnect import unless_disconnected
from gateway.errors import ApiError
from gateway.state import GatewayState
from gateway.transcript_record import TranscriptRecord
from gateway.uploads import SpooledUpload
from stt.v1 import asr_pb2, audio_pb2

_FOR_SPEECH_MODELS = audio_pb2.EnhanceOptions(sample_rate=16_000)
"""What the ASR reads: 16 kHz; the loudness the service levels to by default."""

OnEvent = Callable[[asr_pb2.TranscribeEvent], Awaitable[None]]
"""Told each progress report and each decoded segment while the ASR service works."""


@dataclass(frozen=True)
class Transcribed:
    transcript: asr_pb2.Transcript
    transcript_id: str | None
    """The stored transcript's id (accounts only)."""
    enhanced_by: str
    """The noise model the audio went through first, or empty."""


async def _transcript_of(
    state: GatewayState,
    audio: Audio,
    config: asr_pb2.TranscribeConfig,
    request_id: str,
    on_event: OnEvent | None,
) -> asr_pb2.Transcript:
    if on_event is None:
        return await state.asr.transcribe(audio, config, request_id=request_id)
    async for event in state.asr.transcribe_with_progress(audio, config, request_id=request_id):
        if event.HasField("transcript"):
            return event.transcript
        await on_event(event)
    raise ApiError(502, "the ASR service ended the call without a transcript")


async def _transcribed(
    state: GatewayState,
    path: Path,
    config: asr_pb2.TranscribeConfig,
    request_id: str,
    enhance: bool,
    on_event: OnEvent | None,
) -> tuple[asr_pb2.Transcript, str]:
    """The transcript and the noise model that ran first (empty without `enhance`). With `enhance`, the
    audio service's answer streams on into the ASR service as it arrives: the gateway holds no copy."""
    if not enhance:
        return await _transcript_of(state, path, config, request_id, on_event), ""
    enhanced = await state.audio.enhance(path, _FOR_SPEECH_MODELS, request_id=request_id)
    return await _transcript_of(state, enhanced.wav(), config, request_id, on_event), enhanced.header.model


async def hold_upload(
    state: GatewayState, principal: Principal, upload: SpooledUpload, config: asr_pb2.TranscribeConfig
) -> tuple[Hold, TranscriptRecord]:
    """The upload's price held (402/429 when the quota cannot pay) and, for an account, its transcript
    stored as processing in the same transaction."""
    record = TranscriptRecord(principal.account_id, upload.filename, config.model)
    hold = await tiers.hold_audio(
        state.credits, principal, state.settings, upload.path, alongside=record.start, undo=record.discard
    )
    return hold, record


async def transcribe_held(
    state: GatewayState,
    hold: Hold,
    record: TranscriptRecord,
    path: Path,
    config: asr_pb2.TranscribeConfig,
    request_id: str,
    *,
    enhance: bool = False,
    on_event: OnEvent | None = None,
) -> Transcribed:
    """Transcribes `path` under a hold already taken: the hold is refunded if the work fails or is
    cancelled, else the audio decoded is charged, and the record completed or failed with it."""
    credits = state.credits
    try:
        transcript, enhanced_by = await _transcribed(state, path, config, request_id, enhance, on_event)
    except BaseException as exc:
        await asyncio.shield(credits.refund(hold, alongside=record.fail(exc)))
        raise
    charge = tiers.charge_decoded(
        credits, hold, transcript.duration, record.id, complete=record.complete(transcript), fail=record.fail
    )
    await asyncio.shield(charge)
    return Transcribed(transcript, record.id, enhanced_by)


async def transcribe_upload(
    request: Request,
    state: GatewayState,
    principal: Principal,
    upload: SpooledUpload,
    config: asr_pb2.TranscribeConfig,
    request_id: str,
    *,
    enhance: bool = False,
) -> Transcribed:
    """An upload transcribed while its caller waits (stopped, and refunded, if the caller leaves)."""
    hold, record = await hold_upload(state, principal, upload, config)
    work = transcribe_held(state, hold, record, upload.path, config, request_id, enhance=enhance)
    return await unless_disconnected(request, work)
