"""`POST /v1/embed` through the gateway and the real embedding service (all-MiniLM-L6-v2)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import numpy as np
import pytest

from cli.processes import free_port
from testbed.platform import GatewayProcess, platform_health
from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e

TEXTS = [
    "The meeting was moved to Thursday.",
    "We rescheduled the meeting for Thursday.",
    "The cat sat on the mat.",
]


def test_texts_get_384_dimension_vectors_that_match_sentence_transformers(gateway: GatewayProcess) -> None:
    answer = httpx.post(f"{gateway.url}/v1/embed", json={"texts": TEXTS}, timeout=60)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["dimensions"] == 384
    assert body["model"] == "all-MiniLM-L6-v2"
    vectors = np.asarray(body["embeddings"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    same, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert same > 0.6 > 0.2 > unrelated

    from sentence_transformers import SentenceTransformer

    from services.embed.engine import packaged_model_path

    direct = SentenceTransformer(packaged_model_path(), device="cpu").encode(TEXTS, normalize_embeddings=True)
    assert np.allclose(vectors, direct, atol=1e-4)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"texts": []}, "no texts"),
        ({}, "texts"),
        ({"texts": "just a string"}, "texts"),
        ({"texts": [1, 2]}, "texts"),
        ({"texts": ["fine", "   "]}, "text 1 is empty"),
        ({"texts": ["x" * 20_001]}, "at most 20000"),
        ({"texts": ["a"] * 2049}, "at most 2048"),
    ],
)
def test_bad_input_is_400_with_a_reason(gateway: GatewayProcess, body: dict, message: str) -> None:  # type: ignore[type-arg]
    answer = httpx.post(f"{gateway.url}/v1/embed", json=body, timeout=60)
    assert answer.status_code == 400
    assert message in answer.json()["error"]


def test_a_lone_surrogate_escape_is_400(gateway: GatewayProcess) -> None:
    escaped = b'{"texts": ["fine", "\\ud800 broken"]}'  # valid JSON, but no valid text
    answer = httpx.post(
        f"{gateway.url}/v1/embed", content=escaped, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert "text 1 is not valid Unicode" in answer.json()["error"]


def test_an_unknown_key_is_401(gateway: GatewayProcess) -> None:
    answer = httpx.post(
        f"{gateway.url}/v1/embed", json={"texts": ["hi"]}, headers={"Authorization": "Bearer stt_wrong"}
    )
    assert answer.status_code == 401


def test_the_embedding_service_down_is_503_with_retry_after(own_gateway: Callable[..., OwnGateway]) -> None:
    platform = own_gateway(STT_GATEWAY_EMBED_ADDRESS=f"127.0.0.1:{free_port()}")
    answer = httpx.post(f"{platform.url}/v1/embed", json={"texts": ["hi"]}, timeout=30)
    assert answer.status_code == 503
    assert answer.headers["retry-after"].isdigit()
    assert "embedding service is unavailable" in answer.json()["error"]
    health = platform_health(platform.url)
    assert health["status"] == "degraded"
    assert health["services"]["embed"]["status"] == "unreachable"


def test_health_reports_the_embedding_service(gateway: GatewayProcess) -> None:
    health = platform_health(gateway.url)
    assert health["services"]["embed"]["status"] == "serving"
