"""With the ASR service down the gateway answers 503 with Retry-After at once, and it recovers by itself
when the service comes back: no gateway restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.processes import start_redis, stop
from testbed.platform import AsrProcess, GatewayProcess, asr_process, gateway_process, platform_health
from tests.conftest import Speech

pytestmark = pytest.mark.e2e


@pytest.fixture()
def own_platform(
    data_dir: Path, service_addresses: dict[str, str], tmp_path: Path
) -> Iterator[tuple[AsrProcess, GatewayProcess]]:
    asr = asr_process(
        data_dir, tmp_path / "asr.log", STT_ASR_PRELOAD='["tiny.en"]', STT_ASR_DEFAULT_MODEL="tiny.en"
    )
    asr.start()
    # A Redis and a database of its own: its default anonymous limits must not reach the quota cache
    # of the session's gateway, whose limits are lifted.
    redis, redis_url = start_redis(tmp_path)
    gateway = gateway_process(tmp_path, tmp_path / "gateway.log", asr.address, redis_url, **service_addresses)
    gateway.start()
    yield asr, gateway
    gateway.stop()
    asr.stop()
    stop([redis])


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
    health = platform_health(gateway.url)
    assert health["status"] != "ok"
    assert health["services"]["asr"]["status"] == "unreachable"
    for path in ("/v1/models", "/v1/languages"):
        assert httpx.get(f"{gateway.url}{path}").status_code == 503

    asr.start()  # same port, new process
    deadline = time.monotonic() + 15
    while (answer := _transcribe(gateway, clip)).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answer.status_code == 200, answer.text
    assert platform_health(gateway.url)["status"] == "ok"


async def test_a_stream_ends_with_4503_when_the_service_dies_and_costs_nothing(
    tmp_path: Path, speech: dict[str, Speech], long_speech: Speech
) -> None:
    import asyncio

    from testbed.streaming import pcm_of, stream, ws_url

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    redis, redis_url = start_redis(data_dir)
    asr = asr_process(
        data_dir, tmp_path / "asr.log", STT_ASR_PRELOAD='["tiny.en"]', STT_ASR_DEFAULT_MODEL="tiny.en"
    )
    asr.start()
    # Two streams a day: the failed ones must not use them up.
    gateway = gateway_process(
        data_dir,
        tmp_path / "gateway.log",
        asr.address,
        redis_url,
        STT_GATEWAY_ANONYMOUS_DAILY_TRANSCRIPTIONS="2",
    )
    gateway.start()
    config = {"model": "tiny.en", "language": "en"}
    try:
        running = asyncio.create_task(stream(ws_url(gateway.url), pcm_of(long_speech.path), config=config))
        await asyncio.sleep(3)
        asr.kill()
        cut = await asyncio.wait_for(running, 30)
        assert cut.close_code == 4503
        assert cut.errors[-1]["code"] == 503 and "unavailable" in cut.errors[-1]["error"]

        down = await asyncio.wait_for(stream(ws_url(gateway.url), b"", config=config), 15)
        assert down.close_code == 4503

        asr.start()
        clip = pcm_of(speech["garden"].path)
        deadline = time.monotonic() + 15
        while (
            again := await stream(ws_url(gateway.url), clip, config=config, realtime=False)
        ).close_code == 4503:
            assert time.monotonic() < deadline, "the gateway did not pick the service up again"
            await asyncio.sleep(0.2)
        assert again.close_code == 1000, again.errors
        second = await stream(ws_url(gateway.url), clip, config=config, realtime=False)
        assert second.close_code == 1000, second.errors
        refused = await stream(ws_url(gateway.url), b"", config=config)
        assert refused.close_code == 4429
    finally:
        gateway.stop()
        asr.stop()
        stop([redis])
