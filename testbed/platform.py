"""Runs real platform processes for tests: the ASR gRPC service and the gateway, each in its own process,
started the way `stt serve` starts them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cli.processes import free_port, start_llm_engine, start_python, stop
from services.llm.settings import LlmSettings

SERVICE_START_TIMEOUT_S = 180

LIFTED_ANONYMOUS_LIMITS = {
    "STT_GATEWAY_ANONYMOUS_DAILY_TRANSCRIPTIONS": "1000000",
    "STT_GATEWAY_ANONYMOUS_DAILY_TEXT_REQUESTS": "1000000",
    "STT_GATEWAY_ANONYMOUS_MAX_BYTES": str(2 * 1024**3),
    "STT_GATEWAY_ANONYMOUS_CONCURRENCY": "16",
}
"""For gateways that most tests and the benchmarks call anonymously, from one IP, many times over; the
tier tests run gateways with the defaults."""

HEALTH_READ_TIMEOUT_S = 60.0
"""`GET /health` asks each service in turn and may wait the gateway's info timeout (5 s) twice for one of
them; on a busy machine with every model loading it is slow, not broken."""


def platform_health(url: str) -> dict[str, Any]:
    """The gateway's `/health` answer, waited for as long as the gateway itself may take to build it."""
    answer: dict[str, Any] = httpx.get(f"{url}/health", timeout=HEALTH_READ_TIMEOUT_S).json()
    return answer


def wait_until_serving(address: str, service: str = "", timeout_s: float = SERVICE_START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                answer = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise TimeoutError(f"{address} did not report SERVING within {timeout_s} s")


@dataclass
class ManagedProcess:
    module: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        self.process = start_python(self.module, self.env, self.log_path)

    def stop(self) -> None:
        if self.process is not None:
            stop([self.process])

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class ServiceProcess(ManagedProcess):
    """A gRPC service (ASR, embed, ...), ready once its health says SERVING."""

    port: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        super().start()
        wait_until_serving(self.address)


AsrProcess = ServiceProcess  # the name most tests know the ASR service by


def asr_process(data_dir: Path, log_path: Path, **settings: str) -> AsrProcess:
    port = free_port()
    env = {"STT_DATA_DIR": str(data_dir), "STT_ASR_PORT": str(port), **settings}
    return AsrProcess("services.asr", env, log_path, port=port)


def embed_process(data_dir: Path, log_path: Path, **settings: str) -> ServiceProcess:
    port = free_port()
    env = {"STT_DATA_DIR": str(data_dir), "STT_EMBED_PORT": str(port), **settings}
    return ServiceProcess("services.embed", env, log_path, port=port)


def audio_process(data_dir: Path, log_path: Path, **settings: str) -> ServiceProcess:
    """The audio enhancement service (DeepFilterNet3 and the loudness leveller)."""
    port = free_port()
    env = {"STT_DATA_DIR": str(data_dir), "STT_AUDIO_PORT": str(port), **settings}
    return ServiceProcess("services.audio", env, log_path, port=port)


def tts_process(data_dir: Path, log_path: Path, **settings: str) -> ServiceProcess:
    """The speech synthesis service: the packaged Piper voice; F5-TTS where `settings` mount it."""
    port = free_port()
    env = {"STT_DATA_DIR": str(data_dir), "STT_TTS_PORT": str(port), **settings}
    return ServiceProcess("services.tts", env, log_path, port=port)


def translate_process(data_dir: Path, log_path: Path, **settings: str) -> ServiceProcess:
    """The translation service: Apertium's installed pairs, and a CTranslate2 model where `settings`
    mount one (`STT_TRANSLATE_MODEL_PATH`)."""
    port = free_port()
    env = {"STT_DATA_DIR": str(data_dir), "STT_TRANSLATE_PORT": str(port), **settings}
    return ServiceProcess("services.translate", env, log_path, port=port)


def llm_engine(log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """llama.cpp's OpenAI-compatible server with the packaged SmolLM2 weights, started, and its URL
    (the LLM service reports SERVING only once it answers)."""
    port = free_port()
    return start_llm_engine(port, LlmSettings().context_tokens, log_path), f"http://127.0.0.1:{port}"


def llm_process(data_dir: Path, log_path: Path, engine_url: str, **settings: str) -> ServiceProcess:
    """The LLM service, decoding greedily unless `settings` say otherwise, so tests and benchmarks
    repeat (nearly: llama.cpp reuses the previous request's cached prefix, and its arithmetic differs
    with the batch, so an identical request can answer differently after another one)."""
    port = free_port()
    env = {
        "STT_DATA_DIR": str(data_dir),
        "STT_LLM_PORT": str(port),
        "STT_LLM_ENGINE_URL": engine_url,
        "STT_LLM_TEMPERATURE": "0",
        **settings,
    }
    return ServiceProcess("services.llm", env, log_path, port=port)


@dataclass
class GatewayProcess(ManagedProcess):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        super().start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                platform_health(self.url)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError("the gateway did not start")


def gateway_process(
    data_dir: Path, log_path: Path, asr_address: str, redis_url: str, **settings: str
) -> GatewayProcess:
    """A gateway in front of `asr_address`; pass `STT_GATEWAY_EMBED_ADDRESS` for an embedding service."""
    port = free_port()
    env = {
        "STT_DATA_DIR": str(data_dir),
        "STT_PORT": str(port),
        "STT_GATEWAY_ASR_ADDRESS": asr_address,
        "STT_GATEWAY_REDIS_URL": redis_url,
        **settings,
    }
    return GatewayProcess("gateway", env, log_path, port=port)


def paid_account_key(email: str, credits: int, **stores: str) -> str:
    """The API key of a paid account with `credits`, made by `stt admin` on the stores that `stores`
    names (`STT_DATA_DIR`, `STT_DATABASE_URL`, `STT_GATEWAY_REDIS_URL`)."""
    created = subprocess.run(
        [sys.executable, "-m", "cli.main", "admin", "create-account", "--email", email, "--plan", "paid",
         "--credits", str(credits)],
        env={**os.environ, **stores}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return str(json.loads(created.stdout)["api_key"])


def new_account_key(url: str) -> str:
    """A fresh account's API key: a sign-up at the gateway under an address of its own."""
    answer = httpx.post(f"{url}/api/v1/signup/", json={"email": f"{uuid.uuid4().hex[:12]}@example.com"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["api_key"])


@dataclass(frozen=True)
class StoredTranscript:
    """A transcript stored for an account, and calls on it as its owner."""

    url: str
    key: str
    transcript_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def post(
        self, action: str, body: object, transcript_id: str | None = None, timeout_s: float = 300
    ) -> httpx.Response:
        """`POST /api/v1/transcripts/<id>/<action>/` with `body` as JSON (the id: this transcript's
        unless another is named)."""
        path = f"/api/v1/transcripts/{transcript_id or self.transcript_id}/{action}/"
        return httpx.post(f"{self.url}{path}", json=body, headers=self.headers, timeout=timeout_s)

    def export(self, export_format: str, **query: str) -> httpx.Response:
        """`GET /api/v1/transcripts/<id>/export/<format>/` with `query` (`lang`, ...)."""
        path = f"/api/v1/transcripts/{self.transcript_id}/export/{export_format}/"
        return httpx.get(f"{self.url}{path}", params=query, headers=self.headers, timeout=120)


def stored_transcript_id(url: str, key: str, path: Path) -> str:
    """The id of `path` transcribed and stored for the key's account (`tiny.en`, no diarization: the
    quickest transcript to work on)."""
    answer = httpx.post(
        f"{url}/v1/transcribe",
        files={"file": (path.name, path.read_bytes())},
        data={"model": "tiny.en", "diarize": "false"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=300,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])
