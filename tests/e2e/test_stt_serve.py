"""`stt serve` (what `make run` runs) starts Redis, the ASR service and the gateway, serves real
requests, and Ctrl-C stops every process it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from cli.processes import free_port
from testbed.platform import platform_health
from testbed.tiny_translator import apertium_installed
from tests.conftest import Speech

pytestmark = pytest.mark.e2e


def test_stt_serve_runs_the_platform_and_ctrl_c_stops_it_all(
    tmp_path: Path, speech: dict[str, Speech], tiny_translator: Path
) -> None:
    port = free_port()
    # Apertium is the CPU translator `make run` installs; without it (no root here) the platform is
    # whole only with another engine, so the tiny model stands in and the translation is not read.
    apertium = apertium_installed()
    translator = {} if apertium else {"STT_TRANSLATE_MODEL_PATH": str(tiny_translator)}
    serve = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--data-dir", str(tmp_path / "data")],
        env={**os.environ, "STT_PORT": str(port), **translator},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        health: dict[str, object] = {}
        while time.monotonic() < deadline and health.get("status") != "ok":
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                health = platform_health(url)
            assert serve.poll() is None, serve.stdout.read().decode() if serve.stdout else ""
            time.sleep(0.25)
        assert health.get("status") == "ok", health
        children = psutil.Process(serve.pid).children(recursive=True)
        names = " ".join(" ".join(c.cmdline()) for c in children)
        assert "redis-server" in names and "services.asr" in names and "gateway" in names
        assert "services.embed" in names and "services.llm" in names and "llama_cpp.server" in names
        assert "services.translate" in names and "services.audio" in names and "services.tts" in names

        answer = httpx.post(
            f"{url}/v1/transcribe",
            files={"file": ("a.wav", speech["garden"].path.read_bytes())},
            data={"response_format": "text"},
            timeout=120,
        )
        assert answer.status_code == 200
        assert "tomatoes" in answer.text.lower()
        embedded = httpx.post(f"{url}/v1/embed", json={"texts": ["tomatoes and roses"]}, timeout=60)
        assert embedded.status_code == 200 and embedded.json()["dimensions"] == 384
        summary = httpx.post(
            f"{url}/v1/summarize", json={"text": "We met and agreed to ship on Monday."}, timeout=120
        )
        assert summary.status_code == 200 and summary.json()["model"] == "SmolLM2-135M-Instruct"
        target = "es" if apertium else "de"
        translated = httpx.post(
            f"{url}/v1/translate", json={"text": "tomatoes", "target": target}, timeout=60
        )
        assert translated.status_code == 200, translated.text
        if apertium:
            assert translated.json()["translated_text"] == "Tomates"

        os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert serve.wait(timeout=30) == 0
        _gone, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"still running after Ctrl-C: {[p.cmdline() for p in alive]}"
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
