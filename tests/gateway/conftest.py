"""The fast tier: the gateway app in this process (`httpx.ASGITransport`), with its real Redis and SQL
database, calling real gRPC servers in this process whose servicers answer from recordings of the real
services (`recorded.py`). No model runs, so these tests take seconds; `make test-fast` runs them."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest

from cli.processes import free_port
from gateway.app import create_app
from gateway.settings import GatewaySettings
from services.common.grpc_server import build_server, set_serving
from stt.v1 import asr_pb2, embed_pb2, llm_pb2
from testbed.media import write_wav
from tests.gateway.recorded import Failure, add_recorded_servicers

_CLIENT_IPS = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture(scope="package")
async def recorded_services(redis_url: str) -> AsyncIterator[tuple[str, Failure]]:
    """One gRPC server that serves the ASR, LLM and embedding protos from recordings, SERVING on
    standard health as the real services report it, for this tier only. Redis is started first: a
    process forked while gRPC's threads are busy can fail to start (and the later tiers fork their
    services once this server is gone)."""
    failure = Failure()
    server, health = build_server("stt.v1.Asr", lambda s: add_recorded_servicers(s, failure))
    address = f"127.0.0.1:{free_port()}"
    server.add_insecure_port(address)
    await server.start()
    for proto in (asr_pb2, llm_pb2, embed_pb2):
        for service in proto.DESCRIPTOR.services_by_name.values():
            await set_serving(health, service.full_name, serving=True)
    yield address, failure
    await server.stop(0)


@pytest.fixture
def failure(recorded_services: tuple[str, Failure]) -> AsyncIterator[Failure]:
    """What the recorded services answer instead; every test starts with their recordings."""
    _, failure = recorded_services
    yield failure
    failure.reset()


@pytest.fixture(scope="package")
def gateway_settings(
    recorded_services: tuple[str, Failure], redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> GatewaySettings:
    address, _ = recorded_services
    data_dir = tmp_path_factory.mktemp("gateway-data")
    return GatewaySettings(
        asr_address=address, llm_address=address, embed_address=address, redis_url=redis_url,
        data_dir=data_dir, retry_after_s=7,
    )  # fmt: skip


@asynccontextmanager
async def gateway_client(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, as a caller from an address of its own: limits kept per client IP
    do not carry over from one test to the next."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=(next(_CLIENT_IPS), 40_000))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=transport, base_url="http://gateway"
    ) as caller:  # fmt: skip
        yield caller


@pytest.fixture
async def client(gateway_settings: GatewaySettings, failure: Failure) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client(gateway_settings) as caller:
        yield caller


@pytest.fixture(scope="session")
def upload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short WAV file: the gateway reads its duration from the container, the recording answers it."""
    tone = 0.1 * np.sin(2 * np.pi * 220 * np.arange(16_000 * 2) / 16_000).astype(np.float32)
    return write_wav(tone, 16_000, tmp_path_factory.mktemp("upload") / "call.wav")


async def new_key(client: httpx.AsyncClient, email: str) -> str:
    """A free account's first API key, made through the sign-up route."""
    answer = await client.post("/api/v1/signup/", json={"email": email})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["api_key"])
