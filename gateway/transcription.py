"""An upload transcribed as every transcription route does it (the upload itself under the caller's
concurrent slot: `uploads.media_upload`): the quota held from the container's duration, the file (or the
audio service's cleaned answer) streamed to the ASR service, the audio decoded charged, and the
transcript stored for an account."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from gateway import tiers
from gateway.auth import Principal
from gateway.clients.asr import AsrClient
from gateway.clients.audio import AudioClient
from gateway.disconnect import unless_disconnected
from gateway.state import GatewayState
from gateway.transcript_record import TranscriptRecord
from gateway.uploads import SpooledUpload
from stt.v1 import asr_pb2, audio_pb2

_FOR_SPEECH_MODELS = audio_pb2.EnhanceOptions(sample_rate=16_000)
"""What the ASR reads: 16 kHz; the loudness the service levels to by default."""


@dataclass(frozen=True)
class Transcribed:
    transcript: asr_pb2.Transcript
    transcript_id: str | None
    """The stored transcript's id (accounts only)."""
    enhanced_by: str
    """The noise model the audio went through first, or empty."""


async def _enhanced_then_transcribed(
    audio: AudioClient, asr: AsrClient, path: Path, config: asr_pb2.TranscribeConfig, request_id: str
) -> tuple[asr_pb2.Transcript, str]:
    """The upload through the audio service, its answer streamed on into the ASR service as it arrives
    (the gateway holds no second copy); the transcript and the noise model that ran."""
    header, wav = await audio.enhance(path, _FOR_SPEECH_MODELS, request_id=request_id)
    return await asr.transcribe_chunks(wav, config, request_id=request_id), header.model


async def _transcribed(
    asr: AsrClient, path: Path, config: asr_pb2.TranscribeConfig, request_id: str
) -> tuple[asr_pb2.Transcript, str]:
    return await asr.transcribe(path, config, request_id=request_id), ""


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
    """Holds the quota, transcribes, charges what was decoded; a failure costs nothing and is stored
    with its error."""
    credits = state.credits
    record = TranscriptRecord(principal.account_id, upload.filename, config.model)
    hold = await tiers.hold_audio(
        credits, principal, state.settings, upload.path, alongside=record.start, undo=record.discard
    )
    try:
        if enhance:
            call = _enhanced_then_transcribed(state.audio, state.asr, upload.path, config, request_id)
        else:
            call = _transcribed(state.asr, upload.path, config, request_id)
        transcript, enhanced_by = await unless_disconnected(request, call)
    except BaseException as exc:
        await asyncio.shield(credits.refund(hold, alongside=record.fail(exc)))
        raise
    charge = tiers.charge_decoded(
        credits, hold, transcript.duration, record.id, complete=record.complete(transcript), fail=record.fail
    )
    await asyncio.shield(charge)
    return Transcribed(transcript, record.id, enhanced_by)
