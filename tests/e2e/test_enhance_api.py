"""`POST /v1/enhance-audio` through the gateway with the real audio service: noisy speech comes back
cleaner and levelled with what was measured in headers, the form's options are kept, bad input is 400,
and the work is metered like a transcription."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pyloudnorm
import pytest
import soundfile

from cli.processes import free_port
from testbed.media import read_wav, write_wav
from testbed.noise import mixed, pink_with_hum, si_sdr, true_peak_db
from testbed.platform import GatewayProcess, platform_health
from tests.conftest import Speech
from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def noisy(speech: dict[str, Speech], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    clean, rate = read_wav(speech["garden"].path)
    heard = mixed(clean, pink_with_hum(len(clean), rate, seed=11), snr_db=5.0)
    return write_wav(heard, rate, tmp_path_factory.mktemp("noisy") / "garden.wav"), clean


def _enhance(url: str, path: Path, **fields: str) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/enhance-audio", files={"file": (path.name, path.read_bytes())}, data=fields, timeout=300
    )


def test_noisy_speech_comes_back_as_a_cleaner_levelled_wav(
    gateway: GatewayProcess, noisy: tuple[Path, np.ndarray]
) -> None:
    path, clean = noisy
    heard, rate = read_wav(path)
    answer = _enhance(gateway.url, path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "audio/wav"
    out, out_rate = soundfile.read(io.BytesIO(answer.content), dtype="float32")
    assert out_rate == rate == int(answer.headers["x-sample-rate"])
    assert abs(float(answer.headers["x-duration"]) - len(heard) / rate) <= 0.02
    assert answer.headers["x-model"] == "DeepFilterNet3"
    assert float(answer.headers["x-processing-time"]) > 0
    assert float(answer.headers["x-input-loudness"]) < -20
    loudness = pyloudnorm.Meter(rate).integrated_loudness(out.astype(np.float64))
    assert abs(loudness + 16) <= 0.5 and abs(float(answer.headers["x-output-loudness"]) - loudness) <= 0.1
    assert true_peak_db(out) <= -1.0 + 0.02
    assert si_sdr(out, clean) >= si_sdr(heard, clean) + 3.0


def test_the_form_sets_loudness_rate_and_encoding(
    gateway: GatewayProcess, noisy: tuple[Path, np.ndarray]
) -> None:
    path, _ = noisy
    answer = _enhance(
        gateway.url, path, target_lufs="-24", sample_rate="16000", encoding="float_32", denoise="false"
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-model"] == "none"
    with soundfile.SoundFile(io.BytesIO(answer.content)) as wav:
        assert (wav.samplerate, wav.subtype) == (16_000, "FLOAT")
        out = wav.read(dtype="float32")
    assert abs(pyloudnorm.Meter(16_000).integrated_loudness(out.astype(np.float64)) + 24) <= 0.5


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"target_lufs": "0"}, "target_lufs"),
        ({"true_peak_db": "2"}, "true_peak_db"),
        ({"sample_rate": "100"}, "sample rate is 0"),
        ({"encoding": "mp3"}, "encoding"),
        ({"denoise": "maybe"}, "denoise"),
    ],
)
def test_a_field_out_of_range_is_400(
    gateway: GatewayProcess, noisy: tuple[Path, np.ndarray], fields: dict[str, str], says: str
) -> None:
    answer = _enhance(gateway.url, noisy[0], **fields)
    assert answer.status_code == 400
    assert says in answer.json()["error"]


def test_a_file_that_is_not_audio_or_empty_is_400(gateway: GatewayProcess, tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp3"
    notes.write_text("minutes of the meeting\n" * 200)
    answer = _enhance(gateway.url, notes)
    assert answer.status_code == 400 and "not readable audio" in answer.json()["error"]
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert _enhance(gateway.url, empty).json()["error"] == "the file is empty"


def test_silence_comes_back_silent(gateway: GatewayProcess, tmp_path: Path) -> None:
    answer = _enhance(gateway.url, write_wav(np.zeros(16_000, np.float32), 16_000, tmp_path / "quiet.wav"))
    assert answer.status_code == 200
    out, _ = soundfile.read(io.BytesIO(answer.content), dtype="float32")
    assert len(out) == 16_000 and not np.any(out)
    assert answer.headers["x-output-loudness"] == "-inf"


def test_enhancements_are_metered_and_failed_work_costs_nothing(
    own_gateway: Callable[..., OwnGateway], noisy: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    platform = own_gateway(STT_GATEWAY_ANONYMOUS_DAILY_TRANSCRIPTIONS="1")
    notes = tmp_path / "notes.wav"
    notes.write_text("not audio at all\n" * 100)
    assert _enhance(platform.url, notes).status_code == 400  # refused by the service: refunded
    assert _enhance(platform.url, noisy[0]).status_code == 200
    refused = _enhance(platform.url, noisy[0])
    assert refused.status_code == 429
    assert refused.headers["retry-after"].isdigit()


def test_a_streamed_answer_comes_as_it_is_made_and_is_charged_at_its_end(
    own_gateway: Callable[..., OwnGateway],
    long_noisy: tuple[Path, np.ndarray],
    noisy: tuple[Path, np.ndarray],
) -> None:
    """`stream=true`: a WAV of unknown length with no measured loudness in its headers (it is not
    known yet), as long as the input and under the ceiling; its minutes are charged once it is sent,
    and it holds the caller's concurrent slot until then."""
    platform = own_gateway(
        STT_GATEWAY_ANONYMOUS_DAILY_TRANSCRIPTIONS="2", STT_GATEWAY_ANONYMOUS_CONCURRENCY="1"
    )
    path, clean = long_noisy  # 80 s: seconds of work after its first bytes are sent
    heard, rate = read_wav(path)
    with httpx.stream(
        "POST", f"{platform.url}/v1/enhance-audio", files={"file": (path.name, path.read_bytes())},
        data={"stream": "true"}, timeout=300,
    ) as answer:  # fmt: skip
        assert answer.status_code == 200
        assert answer.headers["x-model"] == "DeepFilterNet3" and int(answer.headers["x-sample-rate"]) == rate
        assert "content-length" not in answer.headers and "x-output-loudness" not in answer.headers
        chunks = answer.iter_raw()
        body = next(chunks)
        assert _enhance(platform.url, noisy[0]).status_code == 429  # the one slot is the stream's
        body += b"".join(chunks)
    out, out_rate = soundfile.read(io.BytesIO(body), dtype="float32")
    assert out_rate == rate and abs(len(out) - len(heard)) / rate <= 0.02
    assert true_peak_db(out) <= -1.0 + 0.02
    assert si_sdr(out, clean) >= si_sdr(heard, clean) + 1.0
    assert _enhance(platform.url, noisy[0]).status_code == 200  # the second of the day's two
    refused = _enhance(platform.url, noisy[0])
    assert refused.status_code == 429 and "retry-after" in refused.headers


def test_the_audio_service_down_is_503(
    own_gateway: Callable[..., OwnGateway], noisy: tuple[Path, np.ndarray]
) -> None:
    platform = own_gateway(STT_GATEWAY_AUDIO_ADDRESS=f"127.0.0.1:{free_port()}")
    answer = _enhance(platform.url, noisy[0])
    assert answer.status_code == 503
    assert "audio service is unavailable" in answer.json()["error"]
    assert platform_health(platform.url)["services"]["audio"]["status"] == "unreachable"


def test_transcribe_with_enhance_runs_the_audio_through_the_service_first(
    gateway: GatewayProcess, noisy: tuple[Path, np.ndarray], speech: dict[str, Speech]
) -> None:
    path, _ = noisy
    heard, rate = read_wav(path)
    answers = {
        enhance: httpx.post(
            f"{gateway.url}/v1/transcribe",
            files={"file": (path.name, path.read_bytes())},
            data={"model": "base", "diarize": "false", "enhance": str(enhance).lower()},
            timeout=300,
        )
        for enhance in (False, True)
    }
    for answer in answers.values():
        assert answer.status_code == 200, answer.text
        assert abs(answer.json()["duration"] - len(heard) / rate) <= 0.05
    assert answers[True].headers["x-enhanced-by"] == "DeepFilterNet3"
    assert "x-enhanced-by" not in answers[False].headers
    enhanced = answers[True].json()["text"].lower()
    assert "tomatoes" in enhanced and "garden" in enhanced, enhanced
