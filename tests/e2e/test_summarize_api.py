"""`POST /v1/summarize` through the gateway, the LLM service and the real engine (llama.cpp's server with
SmolLM2-135M-Instruct): shapes, styles, long input split and combined, bad input, the service down."""

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
    "Maria: Good morning everyone. The quarterly budget meeting is moved to Thursday at three. "
    "John: Thanks Maria. I will send you my slides before noon on Wednesday. "
    "Maria: Good. The billing team must move every customer to the new payment provider by October. "
    "John: I will tell the billing team today."
)


def _summarize(url: str, body: dict) -> httpx.Response:  # type: ignore[type-arg]
    return httpx.post(f"{url}/v1/summarize", json=body, timeout=300)


@pytest.mark.parametrize(
    ("style", "answered_as"),
    [
        ("brief", "brief"),
        ("detailed", "detailed"),
        ("action_items", "action_items"),
        ("bullet_points", "bullet_points"),
        ("bullets", "bullet_points"),
    ],
)
def test_every_style_gets_a_summary_from_the_named_model(
    gateway: GatewayProcess, style: str, answered_as: str
) -> None:
    answer = _summarize(gateway.url, {"text": MEETING, "style": style})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["style"] == answered_as
    assert body["model"] == "SmolLM2-135M-Instruct"
    assert body["parts"] == 1
    assert body["usage"]["prompt_tokens"] > 50 and body["usage"]["completion_tokens"] > 0
    assert len(body["summary"].split()) >= 3
    assert body["summary"] != MEETING


def test_the_default_style_is_brief_and_the_summary_keeps_the_facts(gateway: GatewayProcess) -> None:
    body = _summarize(gateway.url, {"text": MEETING}).json()
    assert body["style"] == "brief"
    words = body["summary"].lower()
    assert any(fact in words for fact in ("thursday", "budget", "billing", "slides")), body["summary"]


def test_text_longer_than_the_context_is_split_and_combined(gateway: GatewayProcess) -> None:
    long_text = " ".join(STORY * 8)  # about 11,000 characters: more than a 2,048-token context
    answer = _summarize(gateway.url, {"text": long_text, "style": "brief"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["parts"] >= 2
    assert body["summary"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"text": "", "style": "brief"}, 400, "empty"),
        ({"text": "   "}, 400, "empty"),
        ({"text": MEETING, "style": "haiku"}, 400, "unknown style 'haiku'"),
        ({"style": "brief"}, 400, "text"),
        ({"text": 42}, 400, "text"),
        ({"text": "word " * 100_001}, 413, "at most 400000"),
    ],
)
def test_bad_input_gets_a_clear_error(gateway: GatewayProcess, body: dict, status: int, message: str) -> None:  # type: ignore[type-arg]
    answer = _summarize(gateway.url, body)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]


def test_a_lone_surrogate_escape_is_400(gateway: GatewayProcess) -> None:
    escaped = b'{"text": "fine \\ud800 broken"}'  # valid JSON, but no valid text
    headers = {"Content-Type": "application/json"}
    answer = httpx.post(f"{gateway.url}/v1/summarize", content=escaped, headers=headers)
    assert answer.status_code == 400
    assert "not valid Unicode" in answer.json()["error"]


def test_the_llm_service_down_is_503_with_retry_after(own_gateway: Callable[..., OwnGateway]) -> None:
    platform = own_gateway(STT_GATEWAY_LLM_ADDRESS=f"127.0.0.1:{free_port()}")
    answer = _summarize(platform.url, {"text": MEETING})
    assert answer.status_code == 503
    assert answer.headers["retry-after"].isdigit()
    assert "language model service is unavailable" in answer.json()["error"]
