"""`make run` on a machine without the LLM engine builds it in the background while the rest serves
(`stt serve` starts the engine once it is installed): the LLM service waits for its engine without end
(NOT_SERVING, its calls refused as unavailable), serves once the engine answers, and stops at once when
asked to while it still waits."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cli.processes import free_port, start_llm_engine, start_python, stop
from services.llm.settings import LlmSettings
from stt.v1 import llm_pb2, llm_pb2_grpc
from testbed.platform import SERVICE_START_TIMEOUT_S, ServiceProcess, llm_process, wait_until_serving


@pytest.fixture()
def waiting(data_dir: Path, tmp_path: Path) -> Iterator[tuple[ServiceProcess, int]]:
    """The LLM service started before its engine (the engine's port is free), as `stt serve` starts it
    while the engine is still being built."""
    engine_port = free_port()
    service = llm_process(
        data_dir,
        tmp_path / "llm.log",
        f"http://127.0.0.1:{engine_port}",
        STT_LLM_ENGINE_START_TIMEOUT_S="0",
    )
    service.process = start_python(service.module, service.env, service.log_path)
    yield service, engine_port
    service.stop()


def _health_once_up(address: str) -> str:
    """The service's health as soon as its port answers (it opens before the models load)."""
    with grpc.insecure_channel(address) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="stt.v1.Llm"),
            timeout=SERVICE_START_TIMEOUT_S,
            wait_for_ready=True,
        )
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))


def _summarize(address: str) -> llm_pb2.SummarizeResponse:
    with grpc.insecure_channel(address) as channel:
        return llm_pb2_grpc.LlmStub(channel).Summarize(
            llm_pb2.SummarizeRequest(text="We agreed to ship the release on Monday.", style="brief"),
            timeout=300,
        )


def test_the_llm_service_waits_for_an_engine_that_comes_later(
    waiting: tuple[ServiceProcess, int], tmp_path: Path
) -> None:
    service, engine_port = waiting
    assert _health_once_up(service.address) == "NOT_SERVING"
    with pytest.raises(grpc.RpcError) as refused:
        _summarize(service.address)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

    engine = start_llm_engine(engine_port, LlmSettings().context_tokens, tmp_path / "engine.log")
    try:
        wait_until_serving(service.address)
        assert _summarize(service.address).summary.strip()
    finally:
        stop([engine])


def test_a_service_still_waiting_for_its_engine_stops_when_asked(waiting: tuple[ServiceProcess, int]) -> None:
    service, _ = waiting
    assert _health_once_up(service.address) == "NOT_SERVING"
    assert service.process is not None
    service.process.terminate()
    try:
        # Its grace is 5 s; a wait that did not end with the service would keep the process alive.
        assert service.process.wait(timeout=60) == 0
    except subprocess.TimeoutExpired:
        pytest.fail("the service kept waiting for its engine after SIGTERM")
