"""`POST /v1/transcribe` in the fast tier: the answer in every format is the ASR service's transcript,
stored for a keyed caller, refused before the service is called when the request is bad."""

from __future__ import annotations

from pathlib import Path

import httpx

from gateway.settings import GatewaySettings
from stt.v1 import asr_pb2
from tests.gateway.conftest import gateway_client, new_key
from tests.gateway.recorded import Failure, recording

TRANSCRIPT = recording("transcript", asr_pb2.Transcript)


async def _transcribe(client: httpx.AsyncClient, upload: Path, **fields: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {fields.pop('key')}"} if "key" in fields else {}
    with upload.open("rb") as audio:
        return await client.post(
            "/v1/transcribe", files={"file": ("call.wav", audio, "audio/wav")}, data=fields, headers=headers
        )


async def test_the_json_answer_is_the_services_transcript(client: httpx.AsyncClient, upload: Path) -> None:
    answer = await _transcribe(client, upload)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["text"] == TRANSCRIPT.text and body["model"] == TRANSCRIPT.model
    assert answer.headers["X-Model"] == TRANSCRIPT.model
    assert [s["text"] for s in body["segments"]] == [s.text for s in TRANSCRIPT.segments]
    assert body["speakers"] == list(TRANSCRIPT.speakers) and len(body["speakers"]) == 2
    assert [t["speaker"] for t in body["speaker_turns"]] == [t.speaker for t in TRANSCRIPT.speaker_turns]
    words = [w for s in body["segments"] for w in s["words"]]
    assert words and all(w["speaker"] in body["speakers"] for w in words)
    assert "id" not in body  # an anonymous transcription is not stored


async def test_subtitles_and_text_carry_the_speakers(client: httpx.AsyncClient, upload: Path) -> None:
    srt = await _transcribe(client, upload, response_format="srt")
    assert srt.headers["content-type"].startswith("application/x-subrip")
    assert srt.text.startswith("1\n00:00:") and f"{TRANSCRIPT.segments[0].speaker}:" in srt.text
    vtt = await _transcribe(client, upload, response_format="vtt")
    assert vtt.text.startswith("WEBVTT") and vtt.headers["X-Model"] == TRANSCRIPT.model


async def test_a_keyed_transcription_is_stored_and_exported(client: httpx.AsyncClient, upload: Path) -> None:
    key = await new_key(client, "stored@example.com")
    answer = await _transcribe(client, upload, key=key)
    assert answer.status_code == 200, answer.text
    transcript_id = answer.json()["id"]
    assert answer.headers["X-Transcript-ID"] == transcript_id
    auth = {"Authorization": f"Bearer {key}"}
    stored = (await client.get(f"/api/v1/transcripts/{transcript_id}/", headers=auth)).json()
    assert stored["status"] == "completed" and stored["text"] == TRANSCRIPT.text
    listed = (await client.get("/api/v1/transcripts/", headers=auth)).json()
    assert [t["id"] for t in listed["results"]] == [transcript_id]
    text = await client.get(f"/api/v1/transcripts/{transcript_id}/export/txt/", headers=auth)
    assert TRANSCRIPT.segments[0].text in text.text


async def test_bad_speaker_bounds_are_refused_before_any_work(
    client: httpx.AsyncClient, upload: Path
) -> None:
    answer = await _transcribe(client, upload, min_speakers="3", max_speakers="2")
    assert answer.status_code == 400
    assert "min_speakers" in answer.json()["error"]


async def test_the_anonymous_day_ends_with_429_and_retry_after(
    client: httpx.AsyncClient, upload: Path
) -> None:
    for _ in range(3):  # the anonymous tier's daily transcriptions
        assert (await _transcribe(client, upload)).status_code == 200
    refused = await _transcribe(client, upload)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "error" in refused.json()


async def test_an_unknown_key_is_refused_never_anonymous(client: httpx.AsyncClient, upload: Path) -> None:
    answer = await _transcribe(client, upload, key="stt_not_a_key")
    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid or revoked API key"}


async def test_audio_beyond_what_the_header_said_is_charged(
    client: httpx.AsyncClient, upload: Path, failure: Failure
) -> None:
    """The upload's container says 2 s (a minute held); the service decodes 150 s: 3 minutes charged."""
    key = await new_key(client, "long-decode@example.com")
    auth = {"Authorization": f"Bearer {key}"}
    before = (await client.get("/api/v1/account/", headers=auth)).json()["minutes_remaining"]
    failure.transcript_duration = 150.0
    answer = await _transcribe(client, upload, key=key)
    assert answer.status_code == 200, answer.text
    after = (await client.get("/api/v1/account/", headers=auth)).json()["minutes_remaining"]
    assert before - after == 3


async def test_audio_beyond_what_the_quota_can_pay_is_refused_with_402_and_costs_nothing(
    gateway_settings: GatewaySettings, upload: Path, failure: Failure
) -> None:
    async with gateway_client(gateway_settings.model_copy(update={"free_monthly_minutes": 2})) as client:
        key = await new_key(client, "short-quota@example.com")
        auth = {"Authorization": f"Bearer {key}"}
        failure.transcript_duration = 150.0  # 3 minutes; the month has 2
        answer = await _transcribe(client, upload, key=key)
        assert answer.status_code == 402 and "150 s of audio decoded" in answer.json()["error"]
        account = (await client.get("/api/v1/account/", headers=auth)).json()
        assert account["minutes_remaining"] == 2
        listed = (await client.get("/api/v1/transcripts/", headers=auth)).json()["results"]
        assert [t["status"] for t in listed] == ["failed"]
