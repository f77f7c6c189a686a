"""Scale-out with real processes on one machine: two gateways on one Redis and one PostgreSQL keep
credits exact; two ASR replicas behind the gateway's round-robin client share the load and a dead one
is passed over; SIGTERM on a busy replica lets its transcription finish while new work goes to the
other."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cli.processes import start_redis, stop
from stt.v1 import asr_pb2, asr_pb2_grpc
from testbed.databases import fresh_postgres
from testbed.platform import AsrProcess, GatewayProcess, asr_process, gateway_process, paid_account_key
from tests.conftest import Speech

pytestmark = pytest.mark.e2e

TINY = {"STT_ASR_PRELOAD": '["tiny.en"]', "STT_ASR_DEFAULT_MODEL": "tiny.en", "STT_ASR_GRACE_SECONDS": "120"}


def _transcribe(url: str, clip: Speech, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(
        f"{url}/v1/transcribe",
        files={"file": ("a.wav", clip.path.read_bytes())},
        headers=headers,
        timeout=300,
    )


@pytest.fixture()
def redis_url(tmp_path: Path) -> Iterator[str]:
    process, url = start_redis(tmp_path)
    yield url
    stop([process])


def test_two_gateways_on_one_redis_and_postgresql_keep_credits_exact(
    asr: AsrProcess, redis_url: str, speech: dict[str, Speech], tmp_path: Path
) -> None:
    database = fresh_postgres("stt_scale_out")
    if database is None:
        pytest.skip("no PostgreSQL answers here (CI runs one)")
    sql = database.replace("postgresql://", "postgresql+asyncpg://")
    settings = {"STT_DATABASE_URL": sql, "STT_GATEWAY_PAID_CONCURRENCY": "20"}
    gateways = [
        gateway_process(tmp_path / f"g{n}", tmp_path / f"g{n}.log", asr.address, redis_url, **settings)
        for n in range(2)
    ]
    for number, gateway in enumerate(gateways):
        (tmp_path / f"g{number}").mkdir()
        gateway.start()
    try:
        key = paid_account_key("two@example.com", 5, STT_DATABASE_URL=sql, STT_GATEWAY_REDIS_URL=redis_url)
        data = speech["garden"].path.read_bytes()

        async def rush() -> list[int]:
            async with httpx.AsyncClient(timeout=300, headers={"Authorization": f"Bearer {key}"}) as client:
                answers = await asyncio.gather(
                    *(
                        client.post(f"{gateways[n % 2].url}/v1/transcribe", files={"file": ("a.wav", data)})
                        for n in range(20)
                    )
                )
            return sorted(a.status_code for a in answers)

        assert asyncio.run(rush()) == [200] * 5 + [402] * 15
        for gateway in gateways:
            account = httpx.get(f"{gateway.url}/api/v1/account/", headers={"Authorization": f"Bearer {key}"})
            assert account.json()["credits"] == 0
            listing = httpx.get(
                f"{gateway.url}/api/v1/transcripts/", headers={"Authorization": f"Bearer {key}"}
            )
            assert listing.json()["count"] == 5
    finally:
        for gateway in gateways:
            gateway.stop()


@pytest.fixture()
def replicas(tmp_path: Path) -> Iterator[list[AsrProcess]]:
    # A data folder of their own: a replica killed mid-call leaves its chunk spool behind, which must
    # not land in the session's folder that other tests check.
    data_dir = tmp_path / "replicas"
    data_dir.mkdir()
    started = [asr_process(data_dir, tmp_path / f"asr{n}.log", **TINY) for n in range(2)]
    for replica in started:
        replica.start()
    yield started
    for replica in started:
        if replica.process is not None and replica.process.poll() is None:
            replica.stop()


@pytest.fixture()
def balanced(replicas: list[AsrProcess], redis_url: str, tmp_path: Path) -> Iterator[GatewayProcess]:
    """A gateway whose ASR address lists both replicas: gRPC balances calls over them, round robin."""
    addresses = ",".join(replica.address for replica in replicas)
    gateway = gateway_process(
        tmp_path, tmp_path / "gateway.log", f"ipv4:{addresses}", redis_url,
        STT_GATEWAY_ANONYMOUS_DAILY_TRANSCRIPTIONS="1000", STT_GATEWAY_ANONYMOUS_CONCURRENCY="8",
    )  # fmt: skip
    gateway.start()
    yield gateway
    gateway.stop()


def _wait_for(condition: Callable[[], bool], limit_s: float = 300) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, "the event never came"
        time.sleep(0.05)


def _health(replica: AsrProcess) -> str:
    with grpc.insecure_channel(replica.address) as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="stt.v1.Asr"), timeout=5
            )
        except grpc.RpcError:
            return "UNREACHABLE"
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))


def _served(replica: AsrProcess) -> int:
    return replica.log().count("transcribed ")


def test_two_replicas_share_the_load_and_a_dead_one_is_passed_over(
    replicas: list[AsrProcess],
    balanced: GatewayProcess,
    speech: dict[str, Speech],
    long_speech: Speech,
    tmp_path: Path,
) -> None:
    for _ in range(6):
        assert _transcribe(balanced.url, speech["garden"]).status_code == 200
    assert _served(replicas[0]) >= 2 and _served(replicas[1]) >= 2

    # A replica killed while it decodes an upload: the gateway sends the spooled file to the other.
    decoding = [replica.log().count("decoding ") for replica in replicas]
    answer: dict[str, httpx.Response] = {}
    worker = threading.Thread(target=lambda: answer.update(long=_transcribe(balanced.url, long_speech)))
    worker.start()
    _wait_for(lambda: any(r.log().count("decoding ") > n for r, n in zip(replicas, decoding, strict=True)))
    dead, alive = replicas if replicas[0].log().count("decoding ") > decoding[0] else replicas[::-1]
    dead.kill()
    worker.join(timeout=300)
    assert answer["long"].status_code == 200, answer["long"].text
    assert "fisherman" in answer["long"].json()["text"].lower()

    before = _served(alive)
    answers = [_transcribe(balanced.url, speech["garden"]).status_code for _ in range(4)]
    assert answers == [200] * 4
    assert _served(alive) == before + 4

    # The killed replica's spooled upload stays until a replica of this machine starts on the folder.
    assert dead.process is not None
    spool = tmp_path / "replicas" / "spool" / "asr"
    orphans = [path for path in spool.iterdir() if f"-{dead.process.pid}-" in path.name]
    assert orphans
    dead.start()
    assert not any(path.exists() for path in orphans)


def test_sigterm_lets_the_running_transcription_finish_while_new_work_goes_elsewhere(
    replicas: list[AsrProcess], balanced: GatewayProcess, speech: dict[str, Speech], long_speech: Speech
) -> None:
    busy, other = replicas
    result: dict[str, object] = {}

    def long_transcription() -> None:
        data = long_speech.path.read_bytes()
        requests = [
            asr_pb2.TranscribeRequest(config=asr_pb2.TranscribeConfig(model="tiny.en", diarize=False))
        ]
        requests += [
            asr_pb2.TranscribeRequest(audio_chunk=data[i : i + 65536]) for i in range(0, len(data), 65536)
        ]
        with grpc.insecure_channel(busy.address) as channel:
            try:
                result["text"] = asr_pb2_grpc.AsrStub(channel).Transcribe(iter(requests), timeout=300).text
            except grpc.RpcError as exc:
                result["error"] = exc.code()

    worker = threading.Thread(target=long_transcription)
    worker.start()
    _wait_for(lambda: "decoding " in busy.log())  # the call has started: its upload is in, a worker has it
    assert busy.process is not None
    busy.process.send_signal(signal.SIGTERM)
    _wait_for(lambda: _health(busy) != "SERVING")  # draining (refusing new calls, health checks too)
    before = _served(other)
    answers = [_transcribe(balanced.url, speech["garden"]).status_code for _ in range(3)]
    worker.join(timeout=300)
    assert answers == [200] * 3
    assert _served(other) == before + 3
    assert "error" not in result, result
    assert "fisherman" in str(result["text"]).lower()
    assert busy.process.wait(timeout=60) == 0
