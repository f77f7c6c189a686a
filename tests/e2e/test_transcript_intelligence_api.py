"""Text intelligence on a stored transcript, through HTTP with every real service: summaries, analyses
and content cached with the transcript and made again when its text changes or `force` asks; chat whose
sources really are the segments that hold the answer, with a session that keeps its history; one
account never reaches another's transcript."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from cli.processes import free_port
from testbed.platform import GatewayProcess, StoredTranscript, new_account_key, stored_transcript_id
from tests.conftest import Speech
from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Stored(StoredTranscript):
    database: str


@pytest.fixture(scope="module")
def stranger(stored: Stored) -> Stored:
    """Another account (sign-ups are rate limited per IP: one for the module)."""
    return Stored(stored.url, new_account_key(stored.url), stored.transcript_id, stored.database)


@pytest.fixture(scope="module")
def stored(gateway: GatewayProcess, long_speech: Speech, data_dir: object) -> Stored:
    key = new_account_key(gateway.url)
    transcript_id = stored_transcript_id(gateway.url, key, long_speech.path)
    return Stored(gateway.url, key, transcript_id, str(data_dir) + "/stt.db")


def _rows(stored: Stored, query: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(stored.database) as connection:
        return connection.execute(query, args).fetchall()


def test_segments_are_embedded_when_the_transcript_completes(stored: Stored) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        segments = _rows(
            stored, "SELECT COUNT(*) FROM transcript_segments WHERE transcript_id = ?", stored.transcript_id
        )
        vectors = _rows(
            stored, "SELECT vector FROM segment_vectors WHERE transcript_id = ?", stored.transcript_id
        )
        if vectors and len(vectors) == segments[0][0]:
            break
        time.sleep(0.2)
    assert len(vectors) == segments[0][0] > 5
    assert all(len(v[0]) == 384 * 4 for v in vectors)  # type: ignore[arg-type]


def test_a_summary_is_cached_until_forced(stored: Stored) -> None:
    first = stored.post("summarize", {"style": "brief"})
    assert first.status_code == 200, first.text
    assert first.json()["cached"] is False and first.json()["summary"]
    second = stored.post("summarize", {})
    assert second.json()["cached"] is True
    assert second.json()["summary"] == first.json()["summary"]
    assert second.json()["created_at"] == first.json()["created_at"]
    forced = stored.post("summarize", {"force": True})
    assert forced.json()["cached"] is False and forced.json()["created_at"] != first.json()["created_at"]


def test_a_changed_transcript_is_not_served_from_the_cache(stored: Stored) -> None:
    assert stored.post("analyze", {"type": "entities"}).status_code == 200
    assert stored.post("analyze", {"type": "entities"}).json()["cached"] is True
    (text,) = _rows(
        stored,
        'SELECT text FROM transcript_segments WHERE transcript_id = ? AND "order" = 0',
        stored.transcript_id,
    )[0]
    with sqlite3.connect(stored.database) as connection:
        connection.execute(
            'UPDATE transcript_segments SET text = ? WHERE transcript_id = ? AND "order" = 0',
            (f"{text} Captain Ahab joined them.", stored.transcript_id),
        )
    fresh = stored.post("analyze", {"type": "entities"}).json()
    assert fresh["cached"] is False
    assert any(e["text"] == "Ahab" or "Ahab" in e["text"] for e in fresh["entities"])
    with sqlite3.connect(stored.database) as connection:  # put it back for the other tests
        connection.execute(
            'UPDATE transcript_segments SET text = ? WHERE transcript_id = ? AND "order" = 0',
            (text, stored.transcript_id),
        )


def test_several_analyses_at_once_with_kinds(stored: Stored) -> None:
    answer = stored.post("analyze", {"kinds": ["sentiment", "pii", "questions"]})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert set(results) == {"sentiment", "pii_redact", "questions"}
    assert results["sentiment"]["method"] == "vader"
    assert "redacted_text" in results["pii_redact"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "either `type`"),
        ({"type": "sentiment", "kinds": ["topics"]}, "either `type`"),
        ({"kinds": []}, "1 to 6"),
        ({"kinds": ["sentiment", "mood"]}, "unknown analysis type 'mood'"),
    ],
)
def test_bad_analyze_requests_are_400(stored: Stored, body: dict[str, object], message: str) -> None:
    answer = stored.post("analyze", body)
    assert answer.status_code == 400 and message in answer.json()["error"]


def test_generated_quotes_and_chapters_carry_the_segments_times(stored: Stored) -> None:
    starts = {
        float(s)
        for (s,) in _rows(
            stored, "SELECT start FROM transcript_segments WHERE transcript_id = ?", stored.transcript_id
        )
    }
    segment_texts = [
        t
        for (t,) in _rows(
            stored, "SELECT text FROM transcript_segments WHERE transcript_id = ?", stored.transcript_id
        )
    ]
    quotes = stored.post("generate", {"type": "key_quotes"})
    assert quotes.status_code == 200, quotes.text
    for quote in quotes.json()["data"]["quotes"]:
        assert quote["quote"] in segment_texts and round(quote["start_time"], 2) in {
            round(s, 2) for s in starts
        }
    answer = stored.post("generate", {"type": "chapter_markers"})
    assert answer.status_code == 200, answer.text
    chapters = answer.json()["data"]["chapters"]
    times = [c["start_time"] for c in chapters]
    assert times == sorted(times) and all(t is not None for t in times)


def test_generated_content_is_cached_per_type_and_prompt(stored: Stored) -> None:
    plain = stored.post("generate", {"type": "flashcards"})
    assert plain.status_code == 200, plain.text
    again = stored.post("generate", {"type": "flashcards"})
    assert again.json()["cached"] is True, again.text
    steered = stored.post("generate", {"type": "flashcards", "prompt": "Only about the bridge."}).json()
    assert steered["cached"] is False and plain.json()["type"] == steered["type"] == "flashcards"
    # The prompt reached the model: its words are in the prompt the engine counted (different cards
    # alone would not show it; see test_a_prompt_steers_the_content).
    assert steered["usage"]["prompt_tokens"] > plain.json()["usage"]["prompt_tokens"]
    assert steered["data"] != plain.json()["data"]


def test_chat_cites_the_segments_that_hold_the_answer(stored: Stored) -> None:
    answer = stored.post("chat", {"question": "What did the fisherman's daughter sell in her shop?"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["answer"] and body["session_id"] and body["model"] == "SmolLM2-135M-Instruct"
    top = body["sources"][0]
    assert "bread" in top["text"].lower() and "shop" in top["text"].lower()
    assert set(top) == {"segment_order", "segment_id", "start_time", "end_time", "speaker", "text", "score"}
    scores = [s["score"] for s in body["sources"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5
    (stored_text,) = _rows(
        stored, 'SELECT text FROM transcript_segments WHERE transcript_id = ? AND "order" = ?',
        stored.transcript_id, top["segment_order"],
    )[0]  # fmt: skip
    assert stored_text == top["text"]


def test_retrieval_finds_the_right_segment_for_each_question(stored: Stored) -> None:
    questions = {
        "What did the council decide to repair?": "bridge",
        "Who built the old bridge?": "grandfather",
        "What damaged the roofs in the autumn?": "storm",
        "How long did the engineer stay at the guest house?": "three weeks",
    }
    for question, words in questions.items():
        sources = stored.post("chat", {"question": question}).json()["sources"]
        assert any(words in s["text"].lower() for s in sources[:3]), (question, sources[:3])


def test_a_session_keeps_its_history_for_follow_up_questions(
    stored: Stored, stranger: Stored, speech: dict[str, Speech]
) -> None:
    first = stored.post("chat", {"question": "Who came from the city to study the rocks?"}).json()
    session_id = first["session_id"]
    follow = stored.post("chat", {"question": "How long did she stay?", "session_id": session_id}).json()
    assert follow["session_id"] == session_id
    query = "SELECT role, content FROM chat_turns WHERE session_id = ? AND transcript_id = ? ORDER BY id"
    turns = _rows(stored, query, session_id, stored.transcript_id)
    assert [r for r, _ in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[0][1] == "Who came from the city to study the rocks?"
    assert turns[1][1] == first["answer"]
    # Another account cannot reach this transcript, even with the session id...
    assert stranger.post("chat", {"question": "And then?", "session_id": session_id}).status_code == 404
    # ...and the same session id on a transcript of its own is a session of its own: it holds only the
    # stranger's turns, and the owner's session is left as it was.
    mine = httpx.post(
        f"{stranger.url}/v1/transcribe",
        files={"file": ("mine.wav", speech["garden"].path.read_bytes())},
        data={"model": "tiny.en", "diarize": "false"},
        headers=stranger.headers,
        timeout=300,
    )
    assert mine.status_code == 200, mine.text
    reused = stranger.post(
        "chat", {"question": "What grew there?", "session_id": session_id}, mine.json()["id"]
    )
    assert reused.status_code == 200, reused.text
    assert reused.json()["session_id"] == session_id
    theirs = _rows(stored, query, session_id, mine.json()["id"])
    assert next(content for _, content in theirs) == "What grew there?" and len(theirs) == 2
    assert _rows(stored, query, session_id, stored.transcript_id) == turns


def test_a_streamed_answer_arrives_as_server_sent_events(stored: Stored) -> None:
    body = {"question": "What did the children paint?", "stream": True}
    path = f"/api/v1/transcripts/{stored.transcript_id}/chat/"
    with httpx.stream(
        "POST", f"{stored.url}{path}", json=body, headers=stored.headers, timeout=300
    ) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        events = [line[6:] for line in answer.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    deltas = [json.loads(e)["delta"] for e in events[:-2]]
    whole = json.loads(events[-2])
    assert len(deltas) > 1 and "".join(deltas).strip() == whole["answer"]
    assert any("boats" in s["text"].lower() for s in whole["sources"])


@pytest.mark.parametrize("action", ["summarize", "analyze", "generate", "chat"])
def test_another_accounts_transcript_is_404(stranger: Stored, action: str) -> None:
    body = {"question": "What?", "type": "sentiment"} if action != "generate" else {"type": "quiz"}
    answer = stranger.post(action, body)
    assert answer.status_code == 404 and answer.json() == {"error": "no such transcript"}


def test_bad_chat_requests_are_400(stored: Stored) -> None:
    assert stored.post("chat", {"question": ""}).status_code == 400
    assert stored.post("chat", {}).status_code == 400
    assert stored.post("chat", {"question": "x" * 4001}).status_code == 400


def test_with_the_llm_service_down_the_transcript_endpoints_are_503_and_nothing_is_cached(
    own_gateway: Callable[..., OwnGateway], speech: dict[str, Speech]
) -> None:
    platform = own_gateway(STT_GATEWAY_LLM_ADDRESS=f"127.0.0.1:{free_port()}")
    key = platform.signup("no-llm@example.com")
    headers = {"Authorization": f"Bearer {key}"}
    clip = speech["meeting"]
    transcribed = httpx.post(
        f"{platform.url}/v1/transcribe",
        files={"file": (clip.path.name, clip.path.read_bytes())},
        data={"model": "tiny.en"},
        headers=headers,
        timeout=300,
    )
    assert transcribed.status_code == 200, transcribed.text
    base = f"{platform.url}/api/v1/transcripts/{transcribed.json()['id']}"
    for action, body in (
        ("summarize", {}),
        ("analyze", {"type": "topics"}),
        ("generate", {"type": "quiz"}),
        ("chat", {"question": "Who gets the slides?"}),
    ):
        answer = httpx.post(f"{base}/{action}/", json=body, headers=headers, timeout=60)
        assert answer.status_code == 503, (action, answer.text)
        assert answer.headers["retry-after"].isdigit()
    with sqlite3.connect(platform.data_dir / "stt.db") as connection:
        assert connection.execute("SELECT COUNT(*) FROM transcript_insights").fetchone() == (0,)
        assert connection.execute("SELECT COUNT(*) FROM chat_turns").fetchone() == (0,)


def test_a_transcript_still_processing_is_409(stored: Stored, long_speech: Speech) -> None:
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(
            httpx.post,
            f"{stored.url}/v1/transcribe",
            files={"file": ("again.wav", long_speech.path.read_bytes())},
            data={"model": "tiny.en", "diarize": "false"},
            headers=stored.headers,
            timeout=300,
        )
        processing: list[dict[str, object]] = []
        deadline = time.monotonic() + 60
        while not processing and time.monotonic() < deadline and not running.done():
            listed = httpx.get(f"{stored.url}/api/v1/transcripts/?status=processing", headers=stored.headers)
            processing = listed.json()["results"]
            time.sleep(0.05)
        assert processing, "the transcription ended before it was seen processing"
        answer = stored.post("chat", {"question": "What?"}, transcript_id=str(processing[0]["id"]))
        assert answer.status_code == 409
        assert answer.json() == {"error": "the transcript is processing: it has no text to work on yet"}
        assert running.result().status_code == 200
