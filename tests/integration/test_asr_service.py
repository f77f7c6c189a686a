"""The ASR service over real gRPC: streamed uploads, health and reflection, status codes, the queue."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from stt.v1 import asr_pb2, asr_pb2_grpc
from testbed.media import write_wav
from testbed.platform import AsrProcess, asr_process
from testbed.wer import word_error_rate
from tests.conftest import Speech

CHUNK = 64 * 1024


async def _requests(path: Path, **config: object) -> AsyncIterator[asr_pb2.TranscribeRequest]:
    yield asr_pb2.TranscribeRequest(config=asr_pb2.TranscribeConfig(**config))  # type: ignore[arg-type]
    data = path.read_bytes()
    for offset in range(0, len(data), CHUNK):
        yield asr_pb2.TranscribeRequest(audio_chunk=data[offset : offset + CHUNK])


async def transcribe(
    address: str, path: Path, request_id: str = "test", **config: object
) -> asr_pb2.Transcript:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = asr_pb2_grpc.AsrStub(channel)
        return await stub.Transcribe(
            _requests(path, **config), timeout=120, metadata=(("x-request-id", request_id),)
        )


async def test_streamed_file_is_transcribed_by_the_model_that_ran(
    asr: AsrProcess, speech: dict[str, Speech]
) -> None:
    clip = speech["meeting"]
    transcript = await transcribe(asr.address, clip.path)
    assert word_error_rate(clip.text, transcript.text) < 0.15
    assert transcript.requested_model == "large-v3-turbo"
    assert transcript.model == "base"
    assert transcript.language == "en"
    assert abs(transcript.duration - clip.duration) < 0.1


async def _with_progress(address: str, path: Path, **config: object) -> list[asr_pb2.TranscribeEvent]:
    async with grpc.aio.insecure_channel(address) as channel:
        call = asr_pb2_grpc.AsrStub(channel).TranscribeWithProgress(_requests(path, **config), timeout=300)
        return [event async for event in call]


async def test_progress_and_segments_come_before_the_transcript(asr: AsrProcess, long_speech: Speech) -> None:
    events = await _with_progress(asr.address, long_speech.path, model="tiny.en")
    kinds = [event.WhichOneof("event") for event in events]
    assert kinds[-1] == "transcript" and kinds.count("transcript") == 1
    transcript = events[-1].transcript
    fractions = [event.progress.fraction for event in events if event.HasField("progress")]
    assert len(fractions) >= 3 and fractions == sorted(fractions)  # after each decoded segment, rising
    assert 0.0 < fractions[0] < 1.0 and fractions[-1] == pytest.approx(1.0)
    progress = [event.progress for event in events if event.HasField("progress")]
    assert all(p.duration == pytest.approx(long_speech.duration, abs=0.1) for p in progress)
    segments = [event.segment for event in events if event.HasField("segment")]
    assert [s.id for s in segments] == list(range(len(segments)))
    assert " ".join(s.text for s in segments) == transcript.text  # undiarized: the same segments
    assert word_error_rate(long_speech.text, transcript.text) < 0.25


async def test_diarizing_leaves_the_last_part_of_progress_to_speakers(
    asr: AsrProcess, conversation: Speech
) -> None:
    events = await _with_progress(asr.address, conversation.path, model="tiny.en", diarize=True)
    fractions = [event.progress.fraction for event in events if event.HasField("progress")]
    assert fractions[-1] == pytest.approx(0.85)  # decoding is done; the speakers come with the transcript
    assert events[-1].transcript.speakers


async def test_request_id_from_metadata_reaches_the_service_logs(
    asr: AsrProcess, speech: dict[str, Speech]
) -> None:
    await transcribe(asr.address, speech["garden"].path, request_id="trace-me-4242", model="tiny.en")
    assert "[trace-me-4242]" in asr.log()


async def test_first_message_must_be_the_config(asr: AsrProcess) -> None:
    async def chunk_first() -> AsyncIterator[asr_pb2.TranscribeRequest]:
        yield asr_pb2.TranscribeRequest(audio_chunk=b"RIFF")

    async with grpc.aio.insecure_channel(asr.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await asr_pb2_grpc.AsrStub(channel).Transcribe(chunk_first(), timeout=30)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "config" in (error.value.details() or "")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model": "whisper-9000"}, "not installed"),
        ({"language": "xx"}, "unknown language"),
        ({"model": "tiny.en", "language": "de"}, "English-only"),
    ],
)
async def test_bad_parameters_are_invalid_argument(
    asr: AsrProcess, speech: dict[str, Speech], config: dict[str, str], message: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await transcribe(asr.address, speech["garden"].path, **config)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in (error.value.details() or "")


@pytest.mark.parametrize("with_progress", [False, True])
async def test_non_media_is_invalid_argument_with_progress_or_without(
    asr: AsrProcess, tmp_path: Path, with_progress: bool
) -> None:
    fake = tmp_path / "notes.mp3"
    fake.write_text("not audio at all\n" * 100)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await (_with_progress if with_progress else transcribe)(asr.address, fake)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("kind", ["silence", "noise", "music"])
async def test_no_speech_gives_an_empty_transcript(asr: AsrProcess, tmp_path: Path, kind: str) -> None:
    rate, seconds = 16_000, 12
    t = np.arange(rate * seconds) / rate
    rng = np.random.default_rng(7)
    audio = {
        "silence": np.zeros_like(t),
        "noise": rng.normal(0, 0.2, t.shape),
        # Chords that change every half second, with a beat: music, no words.
        "music": sum(
            0.15 * np.sin(2 * np.pi * f * (1 + (np.floor(t * 2) % 4) / 8) * t) for f in (220, 277, 330)
        )
        * (0.6 + 0.4 * (np.sin(2 * np.pi * 2 * t) > 0)),
    }[kind]
    transcript = await transcribe(
        asr.address, write_wav(audio.astype(np.float32), rate, tmp_path / f"{kind}.wav")
    )
    assert transcript.text == ""
    assert list(transcript.segments) == []
    assert abs(transcript.duration - seconds) < 0.01


async def test_words_are_timed_inside_the_audio_and_increase(asr: AsrProcess, conversation: Speech) -> None:
    transcript = await transcribe(asr.address, conversation.path)
    words = [w for s in transcript.segments for w in s.words]
    assert len(words) >= 40
    assert all(0.0 <= w.start <= w.end <= transcript.duration for w in words)
    assert all(a.start <= b.start and a.end <= b.start + 1e-6 for a, b in itertools.pairwise(words))
    assert all(0.0 < s.confidence <= 1.0 for s in transcript.segments)
    # The two-second pauses between sentences fall between words, not inside one.
    gaps = [b.start - a.end for a, b in itertools.pairwise(words)]
    assert sum(gap > 1.0 for gap in gaps) == 2


def test_health_and_reflection_are_standard(asr: AsrProcess) -> None:
    with grpc.insecure_channel(asr.address) as channel:
        services = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    assert {"stt.v1.Asr", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= services


@pytest.fixture()
def single_worker_asr(data_dir: Path, tmp_path: Path) -> Iterator[AsrProcess]:
    service = asr_process(
        data_dir, tmp_path / "asr.log", STT_ASR_WORKERS="1", STT_ASR_MAX_QUEUE="0",
        STT_ASR_PRELOAD='["tiny.en"]', STT_ASR_DEFAULT_MODEL="tiny.en",
    )  # fmt: skip
    service.start()
    yield service
    service.stop()


async def test_a_full_queue_refuses_with_resource_exhausted(
    single_worker_asr: AsrProcess, conversation: Speech
) -> None:
    first = asyncio.create_task(transcribe(single_worker_asr.address, conversation.path))
    while "decoding " not in single_worker_asr.log():  # the first call holds the only worker
        await asyncio.sleep(0.05)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await transcribe(single_worker_asr.address, conversation.path)
    assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (await first).text


@pytest.fixture()
def small_upload_asr(data_dir: Path, tmp_path: Path) -> Iterator[AsrProcess]:
    service = asr_process(
        data_dir, tmp_path / "asr.log", STT_ASR_MAX_UPLOAD_BYTES="100000", STT_ASR_PRELOAD='["tiny.en"]',
        STT_ASR_CHUNK_SPOOL_DIR=str(tmp_path / "spool"),
    )  # fmt: skip
    service.start()
    yield service
    service.stop()


async def test_an_upload_over_the_services_limit_is_refused_and_not_kept(
    small_upload_asr: AsrProcess, conversation: Speech, tmp_path: Path
) -> None:
    """Internal callers are bounded too: the service stops reading past its limit and deletes the part."""
    # Two chunks, the second over the limit: the service refuses once the caller has sent everything,
    # so its status is what the caller reads (refused mid-upload, the caller's next send can fail first).
    upload = tmp_path / "upload.wav"
    upload.write_bytes(conversation.path.read_bytes()[: CHUNK + 40_000])
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await transcribe(small_upload_asr.address, upload)
    assert error.value.code() == grpc.StatusCode.OUT_OF_RANGE
    assert "over 100000 bytes" in (error.value.details() or "")
    assert list((tmp_path / "spool").iterdir()) == []


@pytest.fixture()
def batched_asr(data_dir: Path, tmp_path: Path) -> Iterator[AsrProcess]:
    service = asr_process(data_dir, tmp_path / "asr.log", STT_ASR_BATCH_SIZE="8", STT_ASR_PRELOAD='["base"]')
    service.start()
    yield service
    service.stop()


async def test_batched_pipeline_transcribes_too(batched_asr: AsrProcess, conversation: Speech) -> None:
    """`STT_ASR_BATCH_SIZE=8` runs faster-whisper's batched pipeline instead of the sequential decoder."""
    transcript = await transcribe(batched_asr.address, conversation.path)
    assert word_error_rate(conversation.text, transcript.text) < 0.15
    words = [w for s in transcript.segments for w in s.words]
    assert all(a.end <= b.start + 1e-6 for a, b in itertools.pairwise(words))
    assert "decoder: batched pipeline, batch size 8" in batched_asr.log()
