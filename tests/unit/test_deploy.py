"""The deployment files stay true: the Dockerfiles pass hadolint, every kustomize overlay renders and
validates against the Kubernetes schemas, each model service has the probes, shutdown and budget its
work needs on the ports its settings use, the GPU overlay gives GPUs to the services that use them, and
each autoscaler reads a queue a service really exports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from services.asr.settings import AsrSettings
from services.audio.settings import AudioSettings
from services.embed.settings import EmbedSettings
from services.llm.settings import LlmSettings
from services.translate.settings import TranslateSettings
from services.tts.settings import TtsSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
KUBERNETES = "1.33.0"
CUSTOM_KINDS = {"ScaledObject", "ServiceMonitor"}  # CRDs of KEDA and the Prometheus operator
SERVICES = {
    "asr": (AsrSettings, "stt.v1.Asr"),
    "audio": (AudioSettings, "stt.v1.Audio"),
    "embed": (EmbedSettings, "stt.v1.Embed"),
    "llm": (LlmSettings, "stt.v1.Llm"),
    "translate": (TranslateSettings, "stt.v1.Translate"),
    "tts": (TtsSettings, "stt.v1.Tts"),
}
GPU_SERVICES = {"asr", "embed", "translate", "tts"}


def rendered(overlay: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [str(BIN / "kubectl"), "kustomize", str(DEPLOY / "k8s" / "overlays" / overlay)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_the_dockerfiles_pass_hadolint() -> None:
    files = sorted((DEPLOY / "docker").glob("*Dockerfile"))
    assert len(files) == 2
    run = subprocess.run(
        [str(BIN / "hadolint"), *map(str, files)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("overlay", ["cpu", "gpu", "dev"])
def test_every_overlay_renders_and_validates(overlay: str) -> None:
    objects = rendered(overlay)
    for document in objects:
        if document["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(document, KUBERNETES, strict=True)
    assert set(by_kind(objects, "Deployment")) >= {"gateway", "llm-engine", *SERVICES}


def test_each_model_service_has_its_probes_shutdown_and_budget() -> None:
    objects = rendered("cpu")
    deployments, services = by_kind(objects, "Deployment"), by_kind(objects, "Service")
    budgets = by_kind(objects, "PodDisruptionBudget")
    for name, (settings_class, grpc_name) in SERVICES.items():
        pod = deployments[name]["spec"]["template"]["spec"]
        container = pod["containers"][0]
        port = settings_class.model_fields["port"].default
        assert container["ports"][0]["containerPort"] == port, name
        assert container["startupProbe"]["grpc"] == {"port": port, "service": grpc_name}
        assert container["readinessProbe"]["grpc"] == {"port": port, "service": grpc_name}
        assert "preStop" in container["lifecycle"]
        grace = next(int(e["value"]) for e in container["env"] if e["name"].endswith("_GRACE_SECONDS"))
        assert pod["terminationGracePeriodSeconds"] > grace
        assert services[name]["spec"]["clusterIP"] == "None"  # headless: round robin per call
        assert name in budgets
    settings = by_kind(objects, "ConfigMap")["stt-settings"]["data"]
    for name, (settings_class, _) in SERVICES.items():
        address = settings[f"STT_GATEWAY_{name.upper()}_ADDRESS"]
        assert address == f"dns:///{name}:{settings_class.model_fields['port'].default}"


def test_the_gpu_overlay_gives_a_gpu_to_the_services_that_use_one() -> None:
    deployments = by_kind(rendered("gpu"), "Deployment")
    for name, deployment in deployments.items():
        limits = (
            deployment["spec"]["template"]["spec"]["containers"][0].get("resources", {}).get("limits", {})
        )
        wants = name in GPU_SERVICES or name == "llm-engine"
        assert ("nvidia.com/gpu" in limits) == wants, name
        if name in GPU_SERVICES:
            assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":cuda")


def test_each_autoscaler_reads_a_queue_a_service_exports() -> None:
    exported = {
        match
        for main in (ROOT / "services").glob("*/__main__.py")
        for match in re.findall(r'WorkQueue\(\s*"(\w+)"', main.read_text())
    }
    scaled = by_kind(rendered("cpu"), "ScaledObject")
    assert set(scaled) == {"asr", "audio", "translate", "tts"}
    for name, scaler in scaled.items():
        assert scaler["spec"]["scaleTargetRef"]["name"] == name
        queue = re.search(r'queue="(\w+)"', scaler["spec"]["triggers"][0]["metadata"]["query"])
        assert queue is not None and queue.group(1) in exported, (name, exported)


def test_the_llm_engine_has_a_budget_and_scales_on_its_own_load() -> None:
    cpu, gpu = rendered("cpu"), rendered("gpu")
    for objects in (cpu, gpu):
        assert by_kind(objects, "PodDisruptionBudget")["llm-engine"]["spec"]["maxUnavailable"] == 1
    assert by_kind(cpu, "HorizontalPodAutoscaler")["llm-engine"]["spec"]["scaleTargetRef"]["name"] == (
        "llm-engine"
    )
    scaler = by_kind(gpu, "ScaledObject")["llm-engine"]
    assert scaler["spec"]["scaleTargetRef"]["name"] == "llm-engine"
    assert "vllm:num_requests_waiting" in scaler["spec"]["triggers"][0]["metadata"]["query"]
    # The ServiceMonitor scrapes a port named `metrics`; vLLM serves /metrics on its HTTP port.
    ports = {p["name"]: p for p in by_kind(gpu, "Service")["llm-engine"]["spec"]["ports"]}
    assert ports["metrics"]["targetPort"] == "http"
    monitor = by_kind(gpu, "ServiceMonitor")["stt"]
    assert {"port": "metrics", "interval": "15s"} in monitor["spec"]["endpoints"]


def test_compose_runs_every_component_on_the_ports_of_their_settings() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert set(compose["services"]) >= {"redis", "postgres", "gateway", "llm-engine", *SERVICES}
    gateway = compose["services"]["gateway"]["environment"]
    for name, (settings_class, _) in SERVICES.items():
        assert (
            gateway[f"STT_GATEWAY_{name.upper()}_ADDRESS"]
            == f"{name}:{settings_class.model_fields['port'].default}"
        )
