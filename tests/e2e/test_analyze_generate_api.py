"""`POST /v1/analyze` and `POST /v1/generate` through the gateway, the LLM service and the real engine
(SmolLM2-135M on llama.cpp): one documented shape per type, the method that made it, PII gone from
redacted text, verbatim quotes, and bad input refused with clear errors."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from cli.processes import free_port
from testbed.platform import GatewayProcess
from testbed.texts import STORY
from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e

MEETING = (
    "Good morning everyone, this is Laura Bennett. The launch went really well and customers love the "
    "new dashboard. John Park will send the pricing sheet to the sales team by Friday. Can we hire two "
    "more support engineers? The support queue is terrible this month. Reach me at laura@northwind.com "
    "or 617-555-0142."
)


ITEM_KEYS = {"topics": {"name", "summary"}, "action_items": {"task", "owner", "due"}}
REQUIRED_TEXT = {"topics": ("name", "summary"), "action_items": ("task",)}


def _post(url: str, path: str, body: object) -> httpx.Response:
    return httpx.post(f"{url}{path}", json=body, timeout=300)


@pytest.mark.parametrize(
    ("kind", "method", "field"),
    [
        ("sentiment", "vader", "sentences"),
        ("entities", "ner", "entities"),
        ("questions", "rules", "questions"),
        ("pii_redact", "patterns+ner", "redactions"),
        ("topics", "llm", "topics"),
        ("action_items", "llm", "action_items"),
    ],
)
def test_every_analysis_type_answers_its_shape_and_method(
    gateway: GatewayProcess, kind: str, method: str, field: str
) -> None:
    answer = _post(gateway.url, "/v1/analyze", {"text": MEETING, "type": kind})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["type"] == kind and body["method"] == method
    assert isinstance(body[field], list)
    if kind in ITEM_KEYS:  # what the language model wrote: items of the documented shape, not none
        assert body[field], body
        for item in body[field]:
            assert set(item) == ITEM_KEYS[kind], item
            assert all(isinstance(item[key], str) and item[key].strip() for key in REQUIRED_TEXT[kind]), item
    if method == "llm":
        assert body["model"] == "SmolLM2-135M-Instruct" and body["usage"]["completion_tokens"] > 0
    else:
        assert body["usage"] == {"prompt_tokens": 0, "completion_tokens": 0}


def test_pii_is_gone_from_the_redacted_text(gateway: GatewayProcess) -> None:
    body = _post(gateway.url, "/v1/analyze", {"text": MEETING, "type": "pii"}).json()
    assert body["type"] == "pii_redact"
    for secret in ("Laura Bennett", "John Park", "laura@northwind.com", "617-555-0142"):
        assert secret not in body["redacted_text"]
    assert "[EMAIL]" in body["redacted_text"] and "[PHONE]" in body["redacted_text"]
    assert {r["type"] for r in body["redactions"]} == {"name", "email", "phone"}


def test_questions_and_sentiment_read_the_text(gateway: GatewayProcess) -> None:
    questions = _post(gateway.url, "/v1/analyze", {"text": MEETING, "type": "questions"}).json()
    assert questions["questions"] == [{"text": "Can we hire two more support engineers?"}]
    sentiment = _post(gateway.url, "/v1/analyze", {"text": MEETING, "type": "sentiment"}).json()
    by_text = {s["text"]: s["sentiment"] for s in sentiment["sentences"]}
    assert by_text["The support queue is terrible this month."] == "negative"


@pytest.mark.parametrize("path", ["/v1/analyze", "/v1/generate"])
def test_a_lone_surrogate_is_400(gateway: GatewayProcess, path: str) -> None:
    escaped = b'{"text": "fine \\ud800 broken", "type": "sentiment"}'
    answer = httpx.post(f"{gateway.url}{path}", content=escaped, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and "not valid Unicode" in answer.json()["error"]


@pytest.mark.parametrize("kind", ["meeting_notes", "flashcards", "quiz", "social_twitter", "blog_post"])
def test_generated_content_has_its_shape_and_markdown(gateway: GatewayProcess, kind: str) -> None:
    answer = _post(gateway.url, "/v1/generate", {"text": MEETING, "type": kind})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["type"] == kind and body["model"] == "SmolLM2-135M-Instruct" and body["parts"] == 1
    assert body["content"].strip()
    data = body["data"]
    if kind == "quiz":
        assert all(len(q["options"]) == 4 and 0 <= q["answer_index"] < 4 for q in data["questions"])
    if kind == "social_twitter":
        assert all(len(p["text"]) <= 280 for p in data["posts"])
    if kind == "meeting_notes":
        assert {"title", "summary", "decisions", "action_items", "open_questions"} <= set(data)


def test_key_quotes_are_word_for_word_from_the_text(gateway: GatewayProcess) -> None:
    body = _post(gateway.url, "/v1/generate", {"text": MEETING, "type": "key_quotes"}).json()
    assert body["data"]["quotes"]
    for quote in body["data"]["quotes"]:
        assert quote["quote"] in MEETING and quote["start_time"] is None
        assert f"> {quote['quote']}" in body["content"]


def test_chapters_of_plain_text_start_on_its_sentences(gateway: GatewayProcess) -> None:
    body = _post(gateway.url, "/v1/generate", {"text": MEETING, "type": "chapter_markers"}).json()
    assert all(c["first_line"] in MEETING and c["start_time"] is None for c in body["data"]["chapters"])


def test_a_prompt_steers_the_content(gateway: GatewayProcess) -> None:
    plain = _post(gateway.url, "/v1/generate", {"text": MEETING, "type": "social_linkedin"})
    body = {"text": MEETING, "type": "social_linkedin", "prompt": "Mention the new dashboard."}
    steered = _post(gateway.url, "/v1/generate", body)
    assert plain.status_code == steered.status_code == 200, (plain.text, steered.text)
    assert steered.json()["data"]["posts"][0]["text"]
    # The prompt reached the model: its words are in the prompt the engine counted. (Different output
    # alone would not show it: llama.cpp reuses the previous request's cached prefix, and its arithmetic
    # differs with the batch, so two identical requests in a row can already answer differently.)
    assert steered.json()["usage"]["prompt_tokens"] > plain.json()["usage"]["prompt_tokens"]
    assert steered.json()["data"] != plain.json()["data"]


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/v1/analyze", {"text": "", "type": "sentiment"}, 400, "empty"),
        ("/v1/analyze", {"text": MEETING, "type": "mood"}, 400, "unknown analysis type 'mood'"),
        ("/v1/analyze", {"text": MEETING}, 400, "type"),
        ("/v1/analyze", {"text": "word " * 100_001, "type": "sentiment"}, 413, "at most 400000"),
        ("/v1/generate", {"text": MEETING, "type": "poem"}, 400, "unknown content type 'poem'"),
        ("/v1/generate", {"text": "  ", "type": "blog_post"}, 400, "empty"),
        ("/v1/generate", {"text": MEETING, "type": "quiz", "prompt": "x" * 2001}, 400, "prompt is over 2000"),
        ("/v1/generate", {"text": "word " * 100_001, "type": "quiz"}, 413, "at most 400000"),
    ],
)
def test_bad_requests_get_a_clear_error(
    gateway: GatewayProcess, path: str, body: dict[str, object], status: int, message: str
) -> None:
    answer = _post(gateway.url, path, body)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]


def test_the_llm_service_down_is_503_for_analyze_and_generate(own_gateway: Callable[..., OwnGateway]) -> None:
    platform = own_gateway(STT_GATEWAY_LLM_ADDRESS=f"127.0.0.1:{free_port()}")
    for path, kind in (("/v1/analyze", "sentiment"), ("/v1/generate", "quiz")):
        answer = _post(platform.url, path, {"text": MEETING, "type": kind})
        assert answer.status_code == 503 and answer.headers["retry-after"].isdigit()


def test_quotes_and_chapters_of_a_long_text_read_all_of_it(gateway: GatewayProcess) -> None:
    # About 4,600 characters of distinct sentences: more numbered lines than one prompt holds.
    story = " ".join(f"{line[:-1]}, in year {year}." for year in (1990, 2000, 2010) for line in STORY)
    quotes = _post(gateway.url, "/v1/generate", {"text": story, "type": "key_quotes"})
    assert quotes.status_code == 200, quotes.text
    assert quotes.json()["parts"] >= 2
    assert all(q["quote"] in story for q in quotes.json()["data"]["quotes"])
    chapters = _post(gateway.url, "/v1/generate", {"text": story, "type": "chapter_markers"})
    assert chapters.status_code == 200, chapters.text
    body = chapters.json()
    assert body["parts"] >= 2 and 1 <= len(body["data"]["chapters"]) <= 10
    starts = [story.index(c["first_line"]) for c in body["data"]["chapters"]]
    assert starts == sorted(set(starts))


def test_quotes_of_text_without_punctuation_fit_the_model(gateway: GatewayProcess) -> None:
    # One 3,000-character "sentence", as a transcript without punctuation is: cut at words, not sent whole.
    words = " ".join(line.rstrip(".").replace(",", "").lower() for line in STORY * 2)[:3000]
    answer = _post(gateway.url, "/v1/generate", {"text": words, "type": "key_quotes"})
    assert answer.status_code == 200, answer.text
    assert all(q["quote"] in words for q in answer.json()["data"]["quotes"])
