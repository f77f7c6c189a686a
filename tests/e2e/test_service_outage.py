"""With the ASR service down the gateway answers 503 with Retry-After at once, and it recovers by itself
when the service comes back: no gateway restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Speech
from tests.support.platform import AsrProcess, GatewayProcess, asr_process, gateway_process

pytestmark = pytest.mark.e2e


@pytest.fixture()
def own_platform(
    data_dir: Path, redis_url: str, tmp_path: Path
) -> Iterator[tuple[AsrProcess, GatewayProcess]]:
    asr = asr_process(
        data_dir, tmp_path / "asr.log", STT_ASR_PRELOAD='["tiny.en"]', STT_ASR_DEFAULT_MODEL="tiny.en"
    )
    asr.start()
    gateway = gateway_process(data_dir, tmp_path / "gateway.log", asr.address, redis_url)
    gateway.start()
    yield asr, gateway
    gateway.stop()
    asr.stop()


def _transcribe(gateway: GatewayProcess, clip: Speech) -> httpx.Response:
    return httpx.post(
        f"{gateway.url}/v1/transcribe", files={"file": ("a.wav", clip.path.read_bytes())}, timeout=60
    )


def test_killed_service_gives_503_then_recovers_without_gateway_restart(
    own_platform: tuple[AsrProcess, GatewayProcess], speech: dict[str, Speech]
) -> None:
    asr, gateway = own_platform
    clip = speech["garden"]
    assert _transcribe(gateway, clip).status_code == 200

    asr.kill()
    started = time.monotonic()
    down = _transcribe(gateway, clip)
    assert time.monotonic() - started < 10, "a dead service must not hang the request"
    assert down.status_code == 503
    assert down.headers["retry-after"].isdigit()
    assert "unavailable" in down.json()["error"]
    health = httpx.get(f"{gateway.url}/health").json()
    assert health["status"] != "ok"
    assert health["services"]["asr"]["status"] == "unreachable"
    for path in ("/v1/models", "/v1/languages"):
        assert httpx.get(f"{gateway.url}{path}").status_code == 503

    asr.start()  # same port, new process
    deadline = time.monotonic() + 15
    while (answer := _transcribe(gateway, clip)).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answer.status_code == 200, answer.text
    assert httpx.get(f"{gateway.url}/health").json()["status"] == "ok"
