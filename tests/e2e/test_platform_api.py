"""Models, languages, health, metrics, request ids and the JSON errors of unknown paths and methods."""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest

from testbed.platform import AsrProcess, GatewayProcess, platform_health
from tests.conftest import Speech

pytestmark = pytest.mark.e2e


def test_models_list_public_ids_with_what_serves_them(gateway: GatewayProcess) -> None:
    models = {m["id"]: m for m in httpx.get(f"{gateway.url}/v1/models").json()["models"]}
    assert list(models)[:4] == ["large-v3-turbo", "large-v3", "medium", "small"]
    assert models["large-v3-turbo"] == {
        "id": "large-v3-turbo", "name": "Whisper Large V3 Turbo", "languages": 99, "speed": "fast",
        "installed": True, "served_by": "base", "alias": True, "loaded": True,
    }  # fmt: skip
    assert models["small"]["speed"] == "very_fast"
    assert models["base"]["alias"] is False
    assert models["tiny.en"]["languages"] == 1


def test_languages_are_every_language_of_the_multilingual_model(gateway: GatewayProcess) -> None:
    languages = httpx.get(f"{gateway.url}/v1/languages").json()["languages"]
    assert len(languages) == 100
    assert {"code": "en", "name": "english"} in languages
    assert {"code": "kk", "name": "kazakh"} in languages


def _gpus_here() -> list[tuple[str, int]]:
    """The GPUs this machine has, by nvidia-smi (name, memory in MB); none without it."""
    if shutil.which("nvidia-smi") is None:
        return []
    listed = subprocess.run(
        ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if listed.returncode != 0:
        return []
    rows = [line.rsplit(",", 1) for line in listed.stdout.strip().splitlines() if line.strip()]
    return [(name.strip(), int(memory)) for name, memory in rows]


def test_health_reports_gpu_facts_and_services(gateway: GatewayProcess) -> None:
    body = platform_health(gateway.url)
    assert body["status"] == "ok"
    assert body["services"]["asr"]["status"] == "serving"
    assert body["services"]["redis"]["status"] == "ok"
    gpus = _gpus_here()  # what the hardware says, read apart from the service's own reading
    assert body["gpu_available"] is bool(gpus)
    if gpus:
        assert body["gpu_name"] == gpus[0][0]
        assert body["gpu_memory_mb"] == pytest.approx(gpus[0][1], rel=0.02)
        assert body["services"]["asr"]["device"] == "cuda"
    else:
        assert body["gpu_name"] is None and body["gpu_memory_mb"] == 0
        assert body["services"]["asr"]["device"] == "cpu"


def test_metrics_are_prometheus_text(gateway: GatewayProcess) -> None:
    httpx.get(f"{gateway.url}/v1/models")
    answer = httpx.get(f"{gateway.url}/metrics")
    assert answer.headers["content-type"].startswith("text/plain")
    assert 'stt_http_requests_total{method="GET",route="/v1/models",status="200"}' in answer.text


def test_asr_service_exports_queue_depth(data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cli.processes import free_port
    from testbed.platform import asr_process

    metrics_port = free_port()
    service = asr_process(
        data_dir, tmp_path / "asr.log", STT_ASR_METRICS_PORT=str(metrics_port), STT_ASR_PRELOAD='["tiny.en"]',
        STT_ASR_DEFAULT_MODEL="tiny.en",
    )  # fmt: skip
    service.start()
    try:
        text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
    finally:
        service.stop()
    assert 'stt_queue_depth{queue="files"} 0.0' in text
    assert "stt_asr_real_time_factor" in text


def test_request_id_is_returned_and_reaches_the_service(
    gateway: GatewayProcess, asr: AsrProcess, speech: dict[str, Speech]
) -> None:
    answer = httpx.post(
        f"{gateway.url}/v1/transcribe",
        files={"file": ("a.wav", speech["garden"].path.read_bytes())},
        data={"model": "tiny.en"},
        headers={"X-Request-ID": "client-chosen-id-77"},
        timeout=60,
    )
    assert answer.headers["x-request-id"] == "client-chosen-id-77"
    assert "[client-chosen-id-77]" in asr.log()
    generated = httpx.get(f"{gateway.url}/v1/models").headers["x-request-id"]
    assert len(generated) == 32


def test_unknown_path_is_json_404(gateway: GatewayProcess) -> None:
    answer = httpx.get(f"{gateway.url}/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.json() == {"error": "not found: /v1/nothing-here"}


def test_wrong_method_is_json_405(gateway: GatewayProcess) -> None:
    answer = httpx.get(f"{gateway.url}/v1/transcribe")
    assert answer.status_code == 405
    assert "not allowed" in answer.json()["error"]


def test_openapi_documents_the_transcribe_form(gateway: GatewayProcess) -> None:
    spec = httpx.get(f"{gateway.url}/openapi.json").json()
    form = spec["paths"]["/v1/transcribe"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"file", "model", "language", "diarize", "speakers", "response_format"} <= set(form["properties"])
