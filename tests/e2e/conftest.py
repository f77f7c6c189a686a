"""A platform of its own for tests that need the default limits: a fresh Redis and database per test,
beside the session's ASR service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cli.processes import start_redis, stop
from testbed.platform import AsrProcess, GatewayProcess, gateway_process


@dataclass
class OwnGateway:
    gateway: GatewayProcess
    redis_url: str
    data_dir: Path

    @property
    def url(self) -> str:
        return self.gateway.url

    def signup(self, email: str) -> str:
        answer = httpx.post(f"{self.url}/api/v1/signup/", json={"email": email})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["api_key"])


@pytest.fixture()
def own_gateway(
    asr: AsrProcess, service_addresses: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., OwnGateway]]:
    started: list[tuple[GatewayProcess, object]] = []

    def start(**settings: str) -> OwnGateway:
        data_dir = tmp_path / f"platform{len(started)}"
        data_dir.mkdir()
        redis, redis_url = start_redis(data_dir)
        settings = {**service_addresses, **settings}
        gateway = gateway_process(data_dir, data_dir / "gateway.log", asr.address, redis_url, **settings)
        gateway.start()
        started.append((gateway, redis))
        return OwnGateway(gateway, redis_url, data_dir)

    yield start
    for gateway, redis in started:
        gateway.stop()
        stop([redis])  # type: ignore[list-item]
