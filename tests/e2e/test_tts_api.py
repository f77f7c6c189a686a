"""`POST /v1/tts` through the gateway with the real speech synthesis service: the built-in Piper voice
speaks text that the ASR service transcribes back, headers say honestly which voice spoke and whether
it was cloned, a reference clip moves its pitch (matching, not cloning), bad references and texts are
refused with their reason, and cloning without weights is a clear 503."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
import soundfile

from services.tts.reference import matched_pitch, median_pitch
from testbed.media import read_wav, synthesize, write_wav
from testbed.platform import GatewayProcess, ServiceProcess, tts_process
from testbed.texts import STORY
from testbed.wer import corpus_word_error_rate
from tests.conftest import Speech
from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e

SENTENCES = [
    "Welcome to the weekly status meeting.",
    "Today we will discuss the budget, the hiring plan and the product launch.",
    "Please send your questions to the team before Friday afternoon.",
]


def _speak(url: str, text: str, reference: Path | None = None, **fields: str) -> httpx.Response:
    files = {"reference": (reference.name, reference.read_bytes())} if reference else None
    return httpx.post(f"{url}/v1/tts", data={"text": text, **fields}, files=files, timeout=300)


def _wav(answer: httpx.Response) -> tuple[np.ndarray, int]:
    data, rate = soundfile.read(io.BytesIO(answer.content), dtype="float32")
    return data, rate


# Piper draws its voice's noise anew each call, so one word in a short set can go either way: the WER
# is counted over ten sentences (about 130 words), as a corpus.
SPOKEN = SENTENCES + STORY[:7]


def test_the_built_in_voice_speaks_text_the_asr_transcribes_back(gateway: GatewayProcess) -> None:
    heard_texts = []
    for sentence in SPOKEN:
        answer = _speak(gateway.url, sentence)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "audio/wav"
        assert answer.headers["x-model"] == "piper:en_US-joe-medium"
        assert answer.headers["x-voice-cloned"] == "false" and answer.headers["x-voice-matching"] == "none"
        audio, rate = _wav(answer)
        assert float(answer.headers["x-duration"]) == pytest.approx(len(audio) / rate, abs=1e-6)
        assert float(answer.headers["x-generation-time"]) > 0
        heard = httpx.post(
            f"{gateway.url}/v1/transcribe",
            files={"file": ("speech.wav", answer.content)},
            data={"model": "base", "diarize": "false", "response_format": "text"},
            timeout=300,
        )
        assert heard.status_code == 200, heard.text
        heard_texts.append(heard.text)
    assert corpus_word_error_rate(SPOKEN, heard_texts) < 0.05, list(zip(SPOKEN, heard_texts, strict=True))


def test_a_long_text_is_spoken_sentence_by_sentence_and_streams(gateway: GatewayProcess) -> None:
    with httpx.stream(
        "POST", f"{gateway.url}/v1/tts", data={"text": " ".join(SENTENCES), "stream": "true"}, timeout=300
    ) as answer:
        assert answer.status_code == 200
        assert "x-duration" not in answer.headers  # not known before the last sentence
        chunks = list(answer.iter_raw())
    body = b"".join(chunks)
    audio, rate = soundfile.read(io.BytesIO(body), dtype="float32")
    assert rate == 22_050 and len(audio) / rate > 6.0


@pytest.mark.parametrize("audio_format", ["flac", "mp3", "opus"])
def test_other_formats_are_encoded(gateway: GatewayProcess, audio_format: str) -> None:
    answer = _speak(gateway.url, SENTENCES[0], format=audio_format)
    assert answer.status_code == 200, answer.text
    with av.open(io.BytesIO(answer.content)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        seconds = samples / stream.sample_rate
    assert seconds == pytest.approx(float(answer.headers["x-duration"]), abs=0.1)


@pytest.mark.parametrize("audio_format", ["wav", "mp3"])
def test_text_with_nothing_to_say_gives_an_empty_file(gateway: GatewayProcess, audio_format: str) -> None:
    answer = _speak(gateway.url, ")", format=audio_format)
    assert answer.status_code == 200, answer.text
    assert float(answer.headers["x-duration"]) < 0.5


def test_speed_changes_the_pace(gateway: GatewayProcess) -> None:
    normal = float(_speak(gateway.url, SENTENCES[1]).headers["x-duration"])
    fast = float(_speak(gateway.url, SENTENCES[1], speed="2.0").headers["x-duration"])
    assert 0.4 < fast / normal < 0.7


@pytest.fixture(scope="module")
def high_voice(speech: dict[str, Speech], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """A reference clip of about 5 s of speech at a much higher pitch than the built-in voice."""
    samples, rate = read_wav(speech["weather"].path)
    raised = matched_pitch(samples, rate, 210.0)
    path = write_wav(raised, rate, tmp_path_factory.mktemp("voices") / "high.wav")
    return path, median_pitch(raised, rate)


def test_a_reference_moves_the_pitch_and_says_it_is_no_clone(
    gateway: GatewayProcess, high_voice: tuple[Path, float]
) -> None:
    reference, reference_pitch = high_voice
    plain = _speak(gateway.url, SENTENCES[0])
    matched = _speak(gateway.url, SENTENCES[0], reference)
    assert matched.status_code == 200, matched.text
    assert matched.headers["x-voice-cloned"] == "false"
    assert matched.headers["x-voice-matching"] == "pitch"
    plain_pitch = median_pitch(*_wav(plain))
    matched_hz = median_pitch(*_wav(matched))
    assert abs(matched_hz - reference_pitch) < abs(plain_pitch - reference_pitch) / 3
    off = _speak(gateway.url, SENTENCES[0], reference, clone="off")
    assert off.headers["x-voice-matching"] == "none"


def test_cloning_required_without_weights_is_503(
    gateway: GatewayProcess, high_voice: tuple[Path, float]
) -> None:
    answer = _speak(gateway.url, SENTENCES[0], high_voice[0], clone="required")
    assert answer.status_code == 503
    assert (
        "cannot clone voices" in answer.json()["error"] and "STT_TTS_F5_CHECKPOINT" in answer.json()["error"]
    )


@pytest.fixture(scope="module")
def bad_references(
    speech: dict[str, Speech], long_speech: Speech, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("references")
    notes = folder / "notes.wav"
    notes.write_text("not a recording\n" * 50)
    return {
        "short": synthesize("Hello there.", folder / "short.wav"),
        "long": long_speech.path,
        "silent": write_wav(np.zeros(5 * 16_000, np.float32), 16_000, folder / "silent.wav"),
        "not audio": notes,
    }


@pytest.mark.parametrize(
    ("which", "says"),
    [
        ("short", "3 to 10 s are needed"),
        ("long", "3 to 10 s are needed"),
        ("silent", "holds no speech"),
        ("not audio", "not readable audio"),
    ],
)
def test_a_bad_reference_is_400_with_the_reason(
    gateway: GatewayProcess, bad_references: dict[str, Path], which: str, says: str
) -> None:
    answer = _speak(gateway.url, SENTENCES[0], bad_references[which])
    assert answer.status_code == 400
    assert says in answer.json()["error"]


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"text": "   "}, 400, "the text is empty"),
        ({"text": "\x00\x07"}, 400, "the text is empty"),
        ({"text": "word " * 1001}, 413, "at most 5000"),
        ({"text": "Hi.", "speed": "3"}, 400, "speed"),
        ({"text": "Hi.", "format": "aiff"}, 400, "format"),
        ({"text": "Hi.", "format": "mp3", "stream": "true"}, 400, "WAV only"),
    ],
)
def test_bad_text_and_fields_are_refused(
    gateway: GatewayProcess, fields: dict[str, str], status: int, says: str
) -> None:
    answer = httpx.post(f"{gateway.url}/v1/tts", data=fields, timeout=120)
    assert answer.status_code == status, answer.text
    assert says in answer.json()["error"]


def test_speech_is_metered_and_refusals_cost_nothing(own_gateway: Callable[..., OwnGateway]) -> None:
    platform = own_gateway(STT_GATEWAY_ANONYMOUS_DAILY_TRANSCRIPTIONS="1")
    assert _speak(platform.url, "   ").status_code == 400
    assert _speak(platform.url, "x" * 5001).status_code == 413  # refused by the service: refunded
    assert _speak(platform.url, SENTENCES[0]).status_code == 200
    refused = _speak(platform.url, SENTENCES[0])
    assert refused.status_code == 429 and refused.headers["retry-after"].isdigit()


@contextmanager
def _speaking_at_length(url: str) -> Iterator[None]:
    """A streamed answer of a long text, begun and still being spoken while the block runs; its body is
    read to the end afterwards."""
    text = " ".join(SENTENCES * 3)
    with httpx.stream("POST", f"{url}/v1/tts", data={"text": text, "stream": "true"}, timeout=300) as first:
        chunks = first.iter_raw()
        next(chunks)
        yield
        for _chunk in chunks:
            pass


def test_a_streamed_answer_holds_its_concurrent_slot_until_it_ends(
    own_gateway: Callable[..., OwnGateway],
) -> None:
    platform = own_gateway(STT_GATEWAY_ANONYMOUS_CONCURRENCY="1")
    with _speaking_at_length(platform.url):
        assert _speak(platform.url, SENTENCES[0]).status_code == 429
    assert _speak(platform.url, SENTENCES[0]).status_code == 200


def test_openai_speech_takes_a_concurrent_slot_too(own_gateway: Callable[..., OwnGateway]) -> None:
    platform = own_gateway(STT_GATEWAY_ANONYMOUS_CONCURRENCY="1")
    with _speaking_at_length(platform.url):
        speech = httpx.post(
            f"{platform.url}/v1/audio/speech", json={"input": "Hi.", "voice": "alloy"}, timeout=120
        )
        assert speech.status_code == 429


@pytest.fixture()
def broken_cloning(data_dir: Path, tmp_path: Path) -> Iterator[ServiceProcess]:
    checkpoint = tmp_path / "model_1250000.safetensors"
    checkpoint.write_bytes(b"not a checkpoint")
    service = tts_process(data_dir, tmp_path / "tts.log", STT_TTS_F5_CHECKPOINT=str(checkpoint))
    service.start()
    yield service
    service.stop()


def test_a_broken_checkpoint_leaves_the_built_in_voice_and_says_why(
    own_gateway: Callable[..., OwnGateway], broken_cloning: ServiceProcess, high_voice: tuple[Path, float]
) -> None:
    platform = own_gateway(STT_GATEWAY_TTS_ADDRESS=broken_cloning.address)
    assert _speak(platform.url, SENTENCES[0]).status_code == 200
    refused = _speak(platform.url, SENTENCES[0], high_voice[0], clone="required")
    assert refused.status_code == 503
    assert (
        "model_1250000.safetensors" in refused.json()["error"] or "not installed" in refused.json()["error"]
    )
    assert (
        "model_1250000.safetensors" in broken_cloning.log()
        or "F5-TTS is not installed" in broken_cloning.log()
    )
