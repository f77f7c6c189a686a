"""The official `sttai` SDK (0.1.0), unchanged, pointed at our gateway by its base URL alone."""

from __future__ import annotations

import httpx
import pytest
from sttai import AuthError, STTClient, STTError

from testbed.platform import GatewayProcess
from testbed.texts import STORY
from testbed.wer import word_error_rate
from tests.conftest import Speech

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def client(gateway: GatewayProcess) -> STTClient:
    signup = httpx.post(f"{gateway.url}/api/v1/signup/", json={"email": "sdk-contract@example.com"})
    assert signup.status_code == 201, signup.text
    return STTClient(signup.json()["api_key"], base_url=gateway.url, timeout=300)


def test_sdk_with_an_unknown_key_gets_its_auth_error(
    gateway: GatewayProcess, speech: dict[str, Speech]
) -> None:
    with pytest.raises(AuthError) as error:
        STTClient("stt_not-a-real-key", base_url=gateway.url).transcribe(str(speech["garden"].path))
    assert error.value.status_code == 401


def test_sdk_transcribes_with_its_defaults(client: STTClient, speech: dict[str, Speech]) -> None:
    clip = speech["meeting"]
    result = client.transcribe(str(clip.path))  # model large-v3-turbo, diarize "true", response_format json
    assert word_error_rate(clip.text, result["text"]) < 0.15
    assert result["language"] == "en"
    assert result["segments"][0]["words"]


def test_sdk_verbose_json(client: STTClient, speech: dict[str, Speech]) -> None:
    result = client.transcribe(str(speech["garden"].path), response_format="verbose_json", diarize=False)
    assert result["segments"][0]["avg_logprob"] < 0


def test_sdk_models_languages_health(client: STTClient) -> None:
    assert {m["id"] for m in client.models()["models"]} >= {"large-v3-turbo", "large-v3", "medium", "small"}
    assert {"code": "en", "name": "english"} in client.languages()["languages"]
    assert client.health()["status"] == "ok"


def test_sdk_raises_its_error_with_our_message(client: STTClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake = tmp_path / "notes.mp3"
    fake.write_text("plain text, not audio\n" * 50)
    with pytest.raises(STTError) as error:
        client.transcribe(str(fake))
    assert error.value.status_code == 400
    assert "not readable audio or video" in str(error.value)


def test_sdk_streams_on_the_query_string_dialect(client: STTClient, speech: dict[str, Speech]) -> None:
    from testbed.streaming import pcm_of

    clip = speech["weather"]
    received: list[dict] = []
    session = client.stream(received.append, language="en")  # its defaults: large-v3-turbo, ?token=
    pcm = pcm_of(clip.path)
    for offset in range(0, len(pcm), 4096):
        session.send(pcm[offset : offset + 4096])
    result = session.finish(timeout=60)  # an empty frame, then it waits for the server to close

    assert result is not None and result["final"] is True
    assert word_error_rate(clip.text, result["text"]) < 0.15
    assert all("text" in message for message in received)  # its example callback reads data["text"]
    assert received[-1] is result


def test_sdk_summarizes_in_each_of_its_styles(client: STTClient) -> None:
    text = " ".join(STORY[:6])
    for style in ("brief", "detailed", "bullets", "action_items"):  # the styles its docstring names
        result = client.summarize(text, style=style)
        assert result["summary"].strip(), style
        assert result["model"] and result["usage"]["completion_tokens"] > 0
    assert client.summarize(text, style="bullets")["style"] == "bullet_points"  # its alias, answered


def test_sdk_summarize_raises_its_error_for_an_empty_text(client: STTClient) -> None:
    with pytest.raises(STTError) as error:
        client.summarize("   ")
    assert error.value.status_code == 400
