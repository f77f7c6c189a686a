"""OpenAI's official Python SDK, unchanged, pointed at our gateway by `base_url`: transcriptions in every
format (with word timestamps), Whisper's translation, speech in several formats, and errors in the shape
the SDK raises as exceptions."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import av
import openai
import pytest

from testbed.media import synthesize
from testbed.platform import GatewayProcess, paid_account_key
from testbed.wer import word_error_rate
from tests.conftest import Speech

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def client(gateway: GatewayProcess, data_dir: Path, redis_url: str) -> Iterator[openai.OpenAI]:
    """The SDK always sends a key: a paid account's, made with `stt admin` on the gateway's own stores."""
    key = paid_account_key(
        "openai-sdk@example.com", 1000, STT_DATA_DIR=str(data_dir), STT_GATEWAY_REDIS_URL=redis_url
    )
    with openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=key, max_retries=0) as sdk:
        yield sdk


def test_a_transcription_as_json_names_its_text(client: openai.OpenAI, speech: dict[str, Speech]) -> None:
    clip = speech["garden"]
    with clip.path.open("rb") as audio:
        answer = client.audio.transcriptions.create(model="whisper-1", file=audio)
    assert word_error_rate(clip.text, answer.text) < 0.15


@pytest.mark.parametrize("response_format", ["text", "srt", "vtt"])
def test_text_and_subtitle_formats(
    client: openai.OpenAI, speech: dict[str, Speech], response_format: str
) -> None:
    with speech["weather"].path.open("rb") as audio:
        answer = client.audio.transcriptions.create(
            model="whisper-1",
            file=audio,
            response_format=response_format,  # type: ignore[arg-type]
        )
    text = str(answer)
    assert "weather" in text.lower()
    if response_format == "srt":
        assert "00:00:00,000 -->" in text
    if response_format == "vtt":
        assert text.startswith("WEBVTT")


def test_verbose_json_with_word_timestamps(client: openai.OpenAI, speech: dict[str, Speech]) -> None:
    clip = speech["meeting"]
    with clip.path.open("rb") as audio:
        answer = client.audio.transcriptions.create(
            model="whisper-1", file=audio, response_format="verbose_json",
            timestamp_granularities=["word", "segment"], language="en",
        )  # fmt: skip
    assert answer.language == "english"
    assert answer.duration == pytest.approx(clip.duration, abs=0.1)
    assert answer.segments and answer.segments[0].start >= 0
    assert answer.words and len(answer.words) >= 10
    assert all(w.start <= w.end for w in answer.words)


@pytest.mark.parametrize(
    ("sentence", "prompt"),
    [
        ("Our new product is called Zylotrex and it ships in May.", "Zylotrex"),
        ("The meeting with Siobhan is moved to Thursday.", "Siobhan"),
    ],
)
def test_a_prompt_steers_the_spelling_of_names(
    client: openai.OpenAI, tmp_path: Path, sentence: str, prompt: str
) -> None:
    clip = synthesize(sentence, tmp_path / "name.wav")

    def heard(**steering: str) -> str:
        with clip.open("rb") as audio:
            return str(client.audio.transcriptions.create(
                model="whisper-1", file=audio, response_format="text", **steering  # type: ignore[arg-type]
            ))  # fmt: skip

    plain, steered = heard(), heard(prompt=prompt)
    assert prompt not in plain  # the default weights (base) spell the name their own way...
    assert prompt in steered  # ...and the prompt's way when given it


def test_a_too_long_prompt_is_refused(client: openai.OpenAI, speech: dict[str, Speech]) -> None:
    with speech["meeting"].path.open("rb") as audio, pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="whisper-1", file=audio, prompt="word " * 500)
    assert "prompt" in caught.value.message


def test_a_translation_answers_english_text(client: openai.OpenAI, speech: dict[str, Speech]) -> None:
    with speech["garden"].path.open("rb") as audio:
        answer = client.audio.translations.create(model="whisper-1", file=audio)
    assert "tomatoes" in answer.text.lower()


@pytest.mark.parametrize(("response_format", "container"), [("mp3", "mp3"), ("wav", "wav"), ("aac", "aac")])
def test_speech_in_several_formats(client: openai.OpenAI, response_format: str, container: str) -> None:
    answer = client.audio.speech.create(
        model="tts-1", voice="alloy", input="Welcome to the weekly meeting.",
        response_format=response_format,  # type: ignore[arg-type]
    )  # fmt: skip
    with av.open(io.BytesIO(answer.content)) as media:
        stream = media.streams.audio[0]
        seconds = sum(frame.samples for frame in media.decode(stream)) / stream.sample_rate
    assert 1.0 < seconds < 5.0


def test_pcm_is_raw_24_khz(client: openai.OpenAI) -> None:
    # The voice varies its pace from one call to the next: the PCM is measured against its own answer's
    # X-Duration, not against another call's WAV.
    pcm = client.audio.speech.create(
        model="tts-1", voice="nova", input="Good morning.", response_format="pcm"
    )
    spoken = float(pcm.response.headers["x-duration"])
    assert len(pcm.content) / 2 / 24_000 == pytest.approx(spoken, abs=0.01)


def test_errors_come_back_as_the_sdk_exceptions(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="whisper-1", file=("notes.mp3", b"not audio at all" * 100))
    assert "not readable audio" in caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="no-such-model", file=("a.wav", b"RIFF"))
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(model="tts-1", voice="alloy", input="Hi.", speed=3.5)
    assert "speed" in caught.value.message


def test_a_streamed_transcription_sends_each_segment_then_the_whole_text(
    client: openai.OpenAI, long_speech: Speech
) -> None:
    with long_speech.path.open("rb") as audio:
        events = list(client.audio.transcriptions.create(model="whisper-1", file=audio, stream=True))
    kinds = [event.type for event in events]
    assert kinds[-1] == "transcript.text.done" and set(kinds[:-1]) == {"transcript.text.delta"}
    assert len(kinds) >= 4  # one delta per decoded segment: a 16-sentence story has many
    done = events[-1]
    assert "".join(event.delta for event in events[:-1]) == done.text  # type: ignore[union-attr]
    assert word_error_rate(long_speech.text, done.text) < 0.2  # type: ignore[union-attr]
    assert (done.model_extra or {}).get("model")  # the weights that ran


def test_a_stream_refused_before_it_starts_is_an_sdk_error(
    client: openai.OpenAI, speech: dict[str, Speech]
) -> None:
    with (
        speech["garden"].path.open("rb") as audio,
        pytest.raises(openai.BadRequestError, match="stream=true"),
    ):
        client.audio.transcriptions.create(model="whisper-1", file=audio, stream=True, response_format="srt")  # type: ignore[call-overload]
