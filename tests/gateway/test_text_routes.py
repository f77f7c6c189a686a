"""The text routes in the fast tier: each answer in its documented shape, with the model that ran and
the tokens it cost; chat on a stored transcript answers from its retrieved segments."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from gateway.settings import GatewaySettings
from stt.v1 import asr_pb2, llm_pb2
from tests.gateway.conftest import gateway_client, new_key
from tests.gateway.recorded import recording
from tests.gateway.texts import CHAT_QUESTION

TRANSCRIPT = recording("transcript", asr_pb2.Transcript)


async def test_a_summary_names_its_model_and_usage(client: httpx.AsyncClient) -> None:
    recorded = recording("summary", llm_pb2.SummarizeResponse)
    answer = await client.post("/v1/summarize", json={"text": TRANSCRIPT.text})
    assert answer.status_code == 200, answer.text
    usage = {"prompt_tokens": recorded.prompt_tokens, "completion_tokens": recorded.completion_tokens}
    assert answer.json() == {
        "summary": recorded.summary, "style": recorded.style, "model": recorded.model,
        "parts": recorded.parts, "usage": usage,
    }  # fmt: skip


async def test_analyses_and_content_come_in_their_shapes(client: httpx.AsyncClient) -> None:
    sentiment = (await client.post("/v1/analyze", json={"text": TRANSCRIPT.text, "type": "sentiment"})).json()
    assert sentiment["type"] == "sentiment" and sentiment["method"] == "vader" and sentiment["model"] is None
    assert sentiment["sentiment"] in {"positive", "negative", "neutral", "mixed"} and sentiment["sentences"]
    actions = (
        await client.post("/v1/analyze", json={"text": TRANSCRIPT.text, "type": "action_items"})
    ).json()
    assert actions["type"] == "action_items" and actions["usage"]["prompt_tokens"] > 0
    assert all(set(item) == {"task", "owner", "due"} for item in actions["action_items"])
    quotes = (await client.post("/v1/generate", json={"text": TRANSCRIPT.text, "type": "key_quotes"})).json()
    assert quotes["type"] == "key_quotes" and isinstance(quotes["data"]["quotes"], list)
    assert quotes["content"] and quotes["model"]


async def test_a_text_that_is_not_unicode_is_refused(client: httpx.AsyncClient) -> None:
    body = '{"text": "a lone surrogate \\ud800 is not text"}'  # valid JSON, not valid Unicode
    answer = await client.post("/v1/summarize", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "error" in answer.json()


@pytest.mark.parametrize("route", ["/v1/summarize", "/v1/analyze", "/v1/generate", "/v1/embed"])
async def test_a_body_that_is_not_utf8_json_is_400(client: httpx.AsyncClient, route: str) -> None:
    body = b'{"text": "\xff\xfe", "texts": ["\xff\xfe"], "type": "sentiment"}'
    answer = await client.post(route, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "error" in answer.json()


async def test_chat_answers_from_the_transcripts_segments(client: httpx.AsyncClient, upload: Path) -> None:
    key = await new_key(client, "chat@example.com")
    auth = {"Authorization": f"Bearer {key}"}
    with upload.open("rb") as audio:
        made = await client.post("/v1/transcribe", files={"file": ("call.wav", audio)}, headers=auth)
    transcript_id = made.json()["id"]
    route = f"/api/v1/transcripts/{transcript_id}/chat/"
    answer = (await client.post(route, json={"question": CHAT_QUESTION}, headers=auth)).json()
    assert answer["answer"] == recording("chat_answer", llm_pb2.ChatDone).answer
    segment_texts = {s.text for s in TRANSCRIPT.segments}
    assert answer["sources"] and all(s["text"] in segment_texts for s in answer["sources"])
    streamed = await client.post(route, json={"question": CHAT_QUESTION, "stream": True}, headers=auth)
    events = [line.removeprefix("data: ") for line in streamed.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert json.loads(events[-2])["answer"] == answer["answer"]
    assert "".join(json.loads(e)["delta"] for e in events[:-2]).strip() == answer["answer"]


async def test_a_chat_session_holds_a_bounded_number_of_turns(
    gateway_settings: GatewaySettings, upload: Path
) -> None:
    async with gateway_client(gateway_settings.model_copy(update={"max_chat_turns": 4})) as client:
        auth = {"Authorization": f"Bearer {await new_key(client, 'long-chat@example.com')}"}
        with upload.open("rb") as audio:
            made = await client.post("/v1/transcribe", files={"file": ("call.wav", audio)}, headers=auth)
        route = f"/api/v1/transcripts/{made.json()['id']}/chat/"
        first = (await client.post(route, json={"question": CHAT_QUESTION}, headers=auth)).json()
        again = {"question": CHAT_QUESTION, "session_id": first["session_id"]}
        assert (await client.post(route, json=again, headers=auth)).status_code == 200  # 4 turns now
        full = await client.post(route, json=again, headers=auth)
        assert full.status_code == 409 and "start a new one" in full.json()["error"]
        assert (await client.post(route, json={"question": CHAT_QUESTION}, headers=auth)).status_code == 200
