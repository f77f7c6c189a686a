"""OpenAI's audio API on our engines, so code written for it works by changing `base_url`:
`POST /v1/audio/transcriptions`, `/v1/audio/translations` (Whisper's own translation into English) and
`/v1/audio/speech`. The same auth, limits and metering as our own routes; errors in OpenAI's shape
(`gateway/errors.py`). OpenAI's model ids run the deployment's default weights, and every answer names
the weights that ran (`X-Model`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway import tiers
from gateway.credits import Hold
from gateway.dependencies import PrincipalDep, RequestIdDep, StateDep
from gateway.errors import ApiError, api_error_of, openai_error_body
from gateway.exports.subtitles import to_srt, to_vtt
from gateway.schemas.openai import OpenAiTranscription, OpenAiVerboseTranscription
from gateway.speech import speak_to_file, spoken_answer
from gateway.transcript_record import TranscriptRecord
from gateway.transcription import hold_upload, transcribe_held, transcribe_upload
from gateway.uploads import form_of, media_upload, multipart_schema
from services.asr.languages import LANGUAGE_NAMES
from services.common.queued import queued_while
from stt.v1 import asr_pb2, tts_pb2

router = APIRouter(tags=["openai"])

OPENAI_TRANSCRIPTION_MODELS = frozenset({"whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"})
"""OpenAI's ids: the deployment's default weights answer them (named in `X-Model`)."""
_SPEEDS = (0.5, 2.0)  # what the voices here can do; OpenAI allows 0.25 to 4


class TranscriptionForm(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    model: str = Field(default="whisper-1", max_length=100)
    language: str = Field(default="", max_length=10, description="ISO 639-1; empty detects it")
    prompt: str = Field(default="", max_length=2000, description="Words that steer the decoder")
    response_format: Literal["json", "text", "srt", "verbose_json", "vtt"] = "json"
    temperature: float = Field(default=0.0, ge=0.0, le=1.0)
    timestamp_granularities: str = Field(
        default="segment",
        alias="timestamp_granularities[]",
        description="`segment` and/or `word` (verbose_json)",
    )
    stream: bool = Field(
        default=False,
        description="Server-sent events: `transcript.text.delta` as segments are decoded, then "
        "`transcript.text.done` (`json` and `text` formats)",
    )


class TranslationForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(default="whisper-1", max_length=100)
    prompt: str = Field(default="", max_length=2000)
    response_format: Literal["json", "text", "srt", "verbose_json", "vtt"] = "json"
    temperature: float = Field(default=0.0, ge=0.0, le=1.0)


class SpeechRequest(BaseModel):
    model: str = Field(default="tts-1", max_length=100, description="Any id: the built-in voice speaks")
    input: str = Field(max_length=4096, description="The text to speak")
    voice: str = Field(default="alloy", max_length=100, description="Any of OpenAI's: the built-in voice")
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] = "mp3"
    speed: float = Field(default=1.0, ge=0.25, le=4.0)
    instructions: str = Field(default="", max_length=4096, description="Not followed by the built-in voice")


def _verbose(transcript: asr_pb2.Transcript, task: str, words: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "task": task,
        "language": LANGUAGE_NAMES.get(transcript.language, transcript.language),
        "duration": round(transcript.duration, 3),
        "text": transcript.text,
        "segments": [
            {
                "id": index, "seek": 0, "start": s.start, "end": s.end, "text": s.text, "tokens": [],
                "temperature": 0.0, "avg_logprob": round(s.avg_logprob, 4),
                "compression_ratio": round(s.compression_ratio, 4),
                "no_speech_prob": round(s.no_speech_prob, 4),
            }
            for index, s in enumerate(transcript.segments)
        ],
    }  # fmt: skip
    if words:
        answer["words"] = [
            {"word": w.word.strip(), "start": w.start, "end": w.end}
            for s in transcript.segments
            for w in s.words
        ]
    return answer


def _answer(transcript: asr_pb2.Transcript, response_format: str, task: str, words: bool) -> Response:
    headers = {"X-Model": transcript.model}
    if response_format == "json":
        return JSONResponse({"text": transcript.text}, headers=headers)
    if response_format == "verbose_json":
        return JSONResponse(_verbose(transcript, task, words), headers=headers)
    if response_format == "srt":
        return PlainTextResponse(to_srt(transcript), headers=headers)
    if response_format == "vtt":
        return PlainTextResponse(to_vtt(transcript), headers=headers)
    return PlainTextResponse(transcript.text, headers=headers)


def _weights(model: str) -> str:
    return "" if model in OPENAI_TRANSCRIPTION_MODELS else model


def _event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def _streamed(
    state: StateDep,
    hold: Hold,
    record: TranscriptRecord,
    path: Path,
    config: asr_pb2.TranscribeConfig,
    request_id: str,
    slot: AsyncExitStack,
) -> StreamingResponse:
    """OpenAI's transcription events: a `transcript.text.delta` for each segment as it is decoded, then
    `transcript.text.done` with the whole text. A failure after the answer has started is an `error`
    event (the SDK raises it); a caller that leaves stops the work, and either way nothing is charged.
    The upload and the caller's concurrent slot are kept until the body ends."""
    deltas: asyncio.Queue[str] = asyncio.Queue()

    async def on_event(event: asr_pb2.TranscribeEvent) -> None:
        if event.HasField("segment"):
            await deltas.put(event.segment.text)

    async def body() -> AsyncIterator[bytes]:
        async with slot:
            work = asyncio.ensure_future(
                transcribe_held(state, hold, record, path, config, request_id, on_event=on_event)
            )
            try:
                told = 0
                async for delta in queued_while(work, deltas):
                    yield _event({"type": "transcript.text.delta", "delta": (" " if told else "") + delta})
                    told += 1
                transcript = work.result().transcript
            except Exception as exc:  # the answer has started: the failure is an event the SDK raises
                error = api_error_of(exc, "a streamed transcription", state.settings.retry_after_s)
                yield _event({"type": "error", "error": openai_error_body(error)})
                return
            finally:
                work.cancel()
            # The weights that ran are known only now: the done event names them (an extra field).
            yield _event({"type": "transcript.text.done", "text": transcript.text, "model": transcript.model})

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def _transcription(
    request: Request, state: StateDep, request_id: str, principal: PrincipalDep, task: str
) -> Response:
    # The caller's slot and the upload are held until the answer is sent: for a stream, by its body.
    slot = AsyncExitStack()
    upload = await slot.enter_async_context(media_upload(request, state, principal))
    try:
        form: TranscriptionForm | TranslationForm
        if task == "transcribe":
            form = form_of(TranscriptionForm, upload.fields)
            language = form.language
        else:
            form = form_of(TranslationForm, upload.fields)
            language = ""
        if upload.size == 0:
            raise ApiError(400, "the file is empty")
        config = asr_pb2.TranscribeConfig(
            model=_weights(form.model), language=language, diarize=False, filename=upload.filename,
            task=task, prompt=form.prompt, temperature=form.temperature,
        )  # fmt: skip
        if isinstance(form, TranscriptionForm) and form.stream:
            if form.response_format not in ("json", "text"):
                raise ApiError(400, "stream=true answers json or text events; not " + form.response_format)
            hold, record = await hold_upload(state, principal, upload, config)
            return _streamed(state, hold, record, upload.path, config, request_id, slot.pop_all())
        done = await transcribe_upload(request, state, principal, upload, config, request_id)
    finally:
        await slot.aclose()
    words = isinstance(form, TranscriptionForm) and "word" in form.timestamp_granularities.split(",")
    return _answer(done.transcript, form.response_format, task, words)


_TEXT_OF_SPEECH_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "model": OpenAiTranscription | OpenAiVerboseTranscription,
        "description": "`json` and `verbose_json`; `text`, `srt` and `vtt` answer plain text",
    }
}


def _add_speech_to_text_route(path: str, name: str, form: type[BaseModel], summary: str, task: str) -> None:
    """`/v1/audio/transcriptions` and `/v1/audio/translations`: one handler, told its Whisper task."""

    async def handler(
        request: Request, state: StateDep, request_id: RequestIdDep, principal: PrincipalDep
    ) -> Response:
        return await _transcription(request, state, request_id, principal, task)

    router.add_api_route(
        path,
        handler,
        methods=["POST"],
        name=name,
        openapi_extra=multipart_schema(form, "file", "Audio or video file"),
        summary=summary,
        response_model=None,  # one shape per response_format; the answers document them
        responses=_TEXT_OF_SPEECH_ANSWERS,
    )


_add_speech_to_text_route(
    "/v1/audio/transcriptions",
    "openai_transcription",
    TranscriptionForm,
    "OpenAI-compatible transcription",
    "transcribe",
)
_add_speech_to_text_route(
    "/v1/audio/translations",
    "openai_translation",
    TranslationForm,
    "OpenAI-compatible translation of speech into English text (Whisper's own task)",
    "translate",
)


@router.post(
    "/v1/audio/speech",
    summary="OpenAI-compatible speech: the built-in voice speaks `input`",
    response_class=Response,
    responses={200: {"content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def openai_speech(
    body: SpeechRequest, request: Request, state: StateDep, request_id: RequestIdDep, principal: PrincipalDep
) -> Response:
    if not body.input.strip():
        raise ApiError(400, "input is empty")
    if not _SPEEDS[0] <= body.speed <= _SPEEDS[1]:
        raise ApiError(
            400, f"speed {body.speed} is beyond this deployment's voices ({_SPEEDS[0]} to {_SPEEDS[1]})"
        )
    speech = tts_pb2.SynthesizeRequest(text=body.input, speed=body.speed, clone=tts_pb2.CLONE_OFF)
    tier = tiers.tier(principal.tier, state.settings)
    async with state.limits.lease(principal.subject, tier.concurrency):
        spoken = await speak_to_file(request, state, principal, speech, request_id)
    headers = {
        "X-Model": spoken.start.model,
        "X-Voice-Cloned": "false",
        "X-Duration": f"{spoken.samples / spoken.start.sample_rate:.6f}",
    }
    return spoken_answer(spoken, body.response_format, headers)
