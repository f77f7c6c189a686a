"""Long files: no repetition loops, no invented words in long pauses, and a transcription that nobody
waits for any more is stopped."""

from __future__ import annotations

import itertools
import re
import time

import httpx
import numpy as np
import pytest

from testbed.media import read_wav, write_wav
from testbed.platform import AsrProcess, GatewayProcess
from testbed.wer import normalize, word_error_rate
from tests.conftest import Speech

pytestmark = pytest.mark.e2e


def test_long_file_is_transcribed_without_repetition_loops(
    gateway: GatewayProcess, long_speech: Speech
) -> None:
    assert long_speech.duration > 80
    body = httpx.post(
        f"{gateway.url}/v1/transcribe",
        files={"file": ("story.wav", long_speech.path.read_bytes())},
        timeout=600,
    ).json()
    assert word_error_rate(long_speech.text, body["text"]) < 0.12
    words = normalize(body["text"])
    # A loop repeats a phrase over and over: no 6-word sequence may occur twice in distinct sentences.
    grams = [" ".join(words[i : i + 6]) for i in range(len(words) - 5)]
    assert len(grams) == len(set(grams))
    assert abs(len(words) - len(normalize(long_speech.text))) <= 0.05 * len(words)
    assert body["segments"][-1]["end"] <= body["duration"]


def test_long_silence_inside_speech_invents_nothing(
    gateway: GatewayProcess, speech: dict[str, Speech], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    first, rate = read_wav(speech["weather"].path)
    second, _ = read_wav(speech["garden"].path)
    hiss = np.random.default_rng(3).normal(0, 0.003, 40 * rate).astype(np.float32)  # 40 s of room tone
    path = write_wav(np.concatenate([first, hiss, second]), rate, tmp_path / "pause.wav")
    body = httpx.post(
        f"{gateway.url}/v1/transcribe", files={"file": ("p.wav", path.read_bytes())}, timeout=300
    ).json()
    reference = f"{speech['weather'].text} {speech['garden'].text}"
    assert word_error_rate(reference, body["text"]) < 0.15
    gap_start, gap_end = len(first) / rate + 0.5, len(first) / rate + 39.5
    inside_gap = [w for s in body["segments"] for w in s["words"] if gap_start < w["start"] < gap_end]
    assert inside_gap == []


def test_client_that_leaves_stops_its_transcription(
    gateway: GatewayProcess, asr: AsrProcess, long_speech: Speech
) -> None:
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{gateway.url}/v1/transcribe",
            files={"file": ("story.wav", long_speech.path.read_bytes())},
            headers={"X-Request-ID": "leaves-early-1"},
            timeout=httpx.Timeout(30, read=1.5),
        )
    stopped = re.compile(r"\[leaves-early-1\].*the caller went away")
    answered = re.compile(r"\[leaves-early-1\].*POST /v1/transcribe 499")
    deadline = time.monotonic() + 20
    while not (stopped.search(asr.log()) and answered.search(gateway.log())) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stopped.search(asr.log())
    assert answered.search(gateway.log())


@pytest.fixture()
def windowed_asr(data_dir, tmp_path):  # type: ignore[no-untyped-def]
    from testbed.platform import asr_process

    service = asr_process(data_dir, tmp_path / "asr.log", STT_ASR_WINDOW_S="25", STT_ASR_PRELOAD='["base"]')
    service.start()
    yield service
    service.stop()


async def test_a_file_cut_into_windows_loses_and_repeats_no_words(windowed_asr, long_speech: Speech) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_asr_service import transcribe

    transcript = await transcribe(windowed_asr.address, long_speech.path, diarize=True)
    assert long_speech.duration > 3 * 25  # at least three cuts
    assert word_error_rate(long_speech.text, transcript.text) < 0.12
    words = [w for s in transcript.segments for w in s.words]
    assert all(a.end <= b.start + 1e-6 for a, b in itertools.pairwise(words))
    assert words[-1].end <= transcript.duration
    assert [s.id for s in transcript.segments] == list(range(len(transcript.segments)))
    assert list(transcript.speakers) == ["Speaker 1"]
