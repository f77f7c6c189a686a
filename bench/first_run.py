"""How long a fresh clone's first `make run` takes to serve: a transcription, then (with --until-llm) a
summary, which waits for the LLM engine that `make run` builds in the background on a machine that
never built it.

The clone is of this checkout's HEAD (what is committed), in a temporary folder, started exactly as the
README says. What the machine already holds is part of the figure, so the results say it: whether
llama.cpp's wheel was in the machine's cache and whether Apertium was installed.

Usage: .venv/bin/python bench/first_run.py [--until-llm]   (writes bench/results/first_run.json)
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, librispeech, write_results
from cli.processes import free_port
from testbed.media import synthesize

_POLL_EVERY_S = 2.0
_GIVE_UP_AFTER_S = 3600.0


def _speech(folder: Path) -> Path:
    utterances = librispeech()
    if utterances:
        return utterances[0].path
    return synthesize("The platform answered its first request from a fresh clone.", folder / "speech.wav")


def _until(what: str, started: float, attempt: Callable[[], bool]) -> float:
    """Seconds from `started` until `attempt()` is true, trying every couple of seconds."""
    while time.monotonic() - started < _GIVE_UP_AFTER_S:
        try:
            if attempt():
                return round(time.monotonic() - started, 1)
        except httpx.TransportError:
            pass  # the gateway is not listening yet
        time.sleep(_POLL_EVERY_S)
    raise SystemExit(f"first_run: no {what} within {_GIVE_UP_AFTER_S:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--until-llm", action="store_true", help="also wait for a summary")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="stt-first-run-"))
    clone = workdir / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    engine_cache = Path.home() / ".cache" / "stt-platform"
    machine = {
        "cores": os.cpu_count(),
        "llama_wheel_cached": any(engine_cache.glob("llama-cpp-*/*.whl")),
        "apertium_installed": shutil.which("apertium") is not None,
    }
    port = free_port()
    speech = _speech(workdir)
    base = f"http://127.0.0.1:{port}"
    log = (workdir / "make-run.log").open("wb")
    env = {**os.environ, "STT_PORT": str(port)}
    env.pop("VIRTUAL_ENV", None)
    started, started_at = time.monotonic(), time.time()
    make = subprocess.Popen(
        ["make", "run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    results: dict[str, object] = {"commit": _head(), "machine": machine}
    try:
        with httpx.Client(timeout=httpx.Timeout(600.0, connect=5.0)) as client:

            def transcribed() -> bool:
                answer = client.post(
                    f"{base}/v1/transcribe",
                    files={"file": (speech.name, speech.read_bytes())},
                    data={"diarize": "true"},
                )
                return answer.status_code == 200 and bool(answer.json().get("text", "").strip())

            results["seconds_to_first_transcription"] = _until("transcription", started, transcribed)
            results["seconds_to_virtualenv"] = _stamp_age(clone, started_at)
            if args.until_llm:

                def llm_serving() -> bool:
                    health = client.get(f"{base}/health").json()
                    return health["services"]["llm"]["status"] == "serving"

                results["seconds_to_llm_serving"] = _until("LLM", started, llm_serving)
                summary = client.post(
                    f"{base}/v1/summarize", json={"text": "The committee met and agreed to fund the park."}
                )
                summary.raise_for_status()
                results["seconds_to_first_summary"] = round(time.monotonic() - started, 1)
    finally:
        os.killpg(make.pid, signal.SIGINT)
        try:
            make.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
        log.close()
    write_results("first_run", results)
    shutil.rmtree(workdir, ignore_errors=True)


def _head() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()


def _stamp_age(clone: Path, started_at: float) -> float | None:
    """When the virtualenv was ready: the Makefile's install stamp's time, from `started_at` (a wall
    clock time, as file times are)."""
    stamp = clone / ".venv" / ".installed"
    if not stamp.exists():
        return None
    return round(stamp.stat().st_mtime - started_at, 1)


if __name__ == "__main__":
    sys.exit(main())
