"""Session fixtures: a private Redis, the real ASR service and the real gateway as processes, and real
speech synthesised with the packaged Piper voice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cli.processes import start_redis, stop
from testbed.media import read_wav, synthesize, write_wav
from testbed.noise import mixed, pink_with_hum
from testbed.platform import (
    LIFTED_ANONYMOUS_LIMITS,
    AsrProcess,
    GatewayProcess,
    ServiceProcess,
    asr_process,
    audio_process,
    embed_process,
    gateway_process,
    llm_process,
    translate_process,
    tts_process,
)
from testbed.platform import llm_engine as start_engine
from testbed.texts import STORY
from testbed.tiny_translator import build_tiny_translator

SENTENCES = {
    "weather": "The weather was cold and windy, so we stayed inside and read books all afternoon.",
    "meeting": "Please send your slides to Maria before noon and bring the sales report to the meeting.",
    "garden": "My grandmother planted tomatoes and roses in the garden behind her small house.",
}


@dataclass(frozen=True)
class Speech:
    path: Path
    text: str
    duration: float


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Speech]:
    folder = tmp_path_factory.mktemp("speech")
    clips = {}
    for name, text in SENTENCES.items():
        path = synthesize(text, folder / f"{name}.wav")
        samples, rate = read_wav(path)
        clips[name] = Speech(path, text, len(samples) / rate)
    return clips


@pytest.fixture(scope="session")
def conversation(speech: dict[str, Speech], tmp_path_factory: pytest.TempPathFactory) -> Speech:
    """All sentences in a row with two seconds of silence between them: speech with known pauses."""
    parts, rate = [], 22_050
    for clip in speech.values():
        samples, rate = read_wav(clip.path)
        parts += [samples, np.zeros(2 * rate, dtype=np.float32)]
    joined = np.concatenate(parts[:-1])
    path = write_wav(joined, rate, tmp_path_factory.mktemp("conversation") / "conversation.wav")
    return Speech(path, " ".join(c.text for c in speech.values()), len(joined) / rate)


@pytest.fixture(scope="session")
def long_speech(tmp_path_factory: pytest.TempPathFactory) -> Speech:
    """Sixteen distinct sentences with one-second pauses: a long file for loops and cancellation."""
    folder = tmp_path_factory.mktemp("long")
    parts, rate = [], 22_050
    for index, sentence in enumerate(STORY):
        samples, rate = read_wav(synthesize(sentence, folder / f"{index}.wav"))
        parts += [samples, np.zeros(rate, dtype=np.float32)]
    joined = np.concatenate(parts)
    return Speech(write_wav(joined, rate, folder / "story.wav"), " ".join(STORY), len(joined) / rate)


@pytest.fixture(scope="session")
def long_noisy(long_speech: Speech, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """The long story in pink noise and hum at 5 dB SNR, and its clean samples."""
    clean, rate = read_wav(long_speech.path)
    heard = mixed(clean, pink_with_hum(len(clean), rate, seed=5), snr_db=5.0)
    return write_wav(heard, rate, tmp_path_factory.mktemp("long_noisy") / "story.wav"), clean


@pytest.fixture(scope="session")
def redis_url(data_dir: Path) -> Iterator[str]:
    process, url = start_redis(data_dir)
    yield url
    stop([process])


def _running(service: ServiceProcess) -> Iterator[ServiceProcess]:
    service.start()
    yield service
    service.stop()


def _service(name: str, process: Callable[[Path, Path], ServiceProcess]) -> Any:
    """A session fixture named `name`: that service started once for the whole run, its log in a
    folder of its own."""

    @pytest.fixture(scope="session", name=name)
    def started(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
        yield from _running(process(data_dir, tmp_path_factory.mktemp("logs") / f"{name}.log"))

    return started


asr = _service("asr", asr_process)
embed = _service("embed", embed_process)
audio = _service("audio", audio_process)
tts = _service("tts", tts_process)


@pytest.fixture(scope="session")
def tiny_translator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_translator(tmp_path_factory.mktemp("tiny-translator"))


TINY_DECODING_TOKENS = "24"  # random weights seldom say </s>: the tiny model's output is cut here


@pytest.fixture(scope="session")
def translate(
    data_dir: Path, tiny_translator: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """The translation service with both engines: the tiny CTranslate2 model (en, de, fr, ja) and
    Apertium's installed pairs (en-es, en-ca, en-gl)."""
    log = tmp_path_factory.mktemp("logs") / "translate.log"
    settings = {
        "STT_TRANSLATE_MODEL_PATH": str(tiny_translator),
        "STT_TRANSLATE_MODEL_NAME": "tiny-madlad-shaped",
        "STT_TRANSLATE_MAX_DECODING_LENGTH": TINY_DECODING_TOKENS,
    }
    yield from _running(translate_process(data_dir, log, **settings))


@pytest.fixture(scope="session")
def llm_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server with the packaged SmolLM2 weights; yields its URL."""
    process, url = start_engine(tmp_path_factory.mktemp("logs") / "engine.log")
    yield url
    stop([process])


@pytest.fixture(scope="session")
def llm(
    data_dir: Path, llm_engine: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    yield from _running(llm_process(data_dir, tmp_path_factory.mktemp("logs") / "llm.log", llm_engine))


@pytest.fixture(scope="session")
def service_addresses(
    audio: ServiceProcess,
    embed: ServiceProcess,
    llm: ServiceProcess,
    translate: ServiceProcess,
    tts: ServiceProcess,
) -> dict[str, str]:
    """Where a gateway finds each of the session's model services but the ASR (each gateway is given
    an ASR address of its own)."""
    return {
        "STT_GATEWAY_AUDIO_ADDRESS": audio.address,
        "STT_GATEWAY_EMBED_ADDRESS": embed.address,
        "STT_GATEWAY_LLM_ADDRESS": llm.address,
        "STT_GATEWAY_TRANSLATE_ADDRESS": translate.address,
        "STT_GATEWAY_TTS_ADDRESS": tts.address,
    }


@pytest.fixture(scope="session")
def gateway(
    asr: AsrProcess,
    service_addresses: dict[str, str],
    redis_url: str,
    data_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[GatewayProcess]:
    # Most tests call anonymously from one IP: lift the anonymous limits for them; the tier tests run
    # gateways of their own (own Redis, own database) with the defaults.
    process = gateway_process(
        data_dir,
        tmp_path_factory.mktemp("logs") / "gateway.log",
        asr.address,
        redis_url,
        **LIFTED_ANONYMOUS_LIMITS,
        **service_addresses,
    )
    process.start()
    yield process
    process.stop()
