"""`stt serve`: the whole platform on this machine: a private Redis, each service, then the gateway.
Ctrl-C (or SIGTERM) stops every process it started."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from cli.processes import free_port, llm_engine_installed, start_llm_engine, start_python, start_redis, stop
from cli.settings import ServeSettings
from services.llm.settings import LlmSettings

_ENGINE_CHECK_EVERY_S = 5.0
"""How often a platform started before its LLM engine was installed looks for it again."""


def serve(data_dir: Path, settings: ServeSettings) -> int:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {"STT_DATA_DIR": str(data_dir.resolve())}
    redis_process, redis_url = start_redis(data_dir)
    print(f"stt: redis on {redis_url}", flush=True)
    asr_port = settings.asr_port or free_port()
    embed_port = settings.embed_port or free_port()
    translate_port = settings.translate_port or free_port()
    audio_port = settings.audio_port or free_port()
    tts_port = settings.tts_port or free_port()
    children: dict[str, subprocess.Popen[bytes]] = {"redis": redis_process}
    children["asr"] = start_python("services.asr", {**env, "STT_ASR_PORT": str(asr_port)})
    children["embed"] = start_python("services.embed", {**env, "STT_EMBED_PORT": str(embed_port)})
    children["translate"] = start_python(
        "services.translate", {**env, "STT_TRANSLATE_PORT": str(translate_port)}
    )
    children["audio"] = start_python("services.audio", {**env, "STT_AUDIO_PORT": str(audio_port)})
    children["tts"] = start_python("services.tts", {**env, "STT_TTS_PORT": str(tts_port)})
    engine_port, llm_port = settings.llm_engine_port or free_port(), settings.llm_port or free_port()
    llm_env = {**env, "STT_LLM_PORT": str(llm_port), "STT_LLM_ENGINE_URL": f"http://127.0.0.1:{engine_port}"}
    engine_pending = not llm_engine_installed()
    if engine_pending:
        # The LLM service waits for its engine, reporting NOT_SERVING (`/health`: llm `not_serving`);
        # the rest serves meanwhile.
        llm_env["STT_LLM_ENGINE_START_TIMEOUT_S"] = "0"
        print(
            "stt: the LLM engine (llama.cpp) is not installed yet; it starts once it is (`make run` builds"
            f" it in the background: {Path(sys.prefix) / 'llama-engine-build.log'}). Until then the"
            " summary, analysis, generation and chat routes answer 503.",
            flush=True,
        )
    else:
        children["llm-engine"] = start_llm_engine(engine_port, LlmSettings().context_tokens)
    children["llm"] = start_python("services.llm", llm_env)
    gateway_env = {
        **env,
        "STT_GATEWAY_ASR_ADDRESS": f"127.0.0.1:{asr_port}",
        "STT_GATEWAY_EMBED_ADDRESS": f"127.0.0.1:{embed_port}",
        "STT_GATEWAY_LLM_ADDRESS": f"127.0.0.1:{llm_port}",
        "STT_GATEWAY_TRANSLATE_ADDRESS": f"127.0.0.1:{translate_port}",
        "STT_GATEWAY_AUDIO_ADDRESS": f"127.0.0.1:{audio_port}",
        "STT_GATEWAY_TTS_ADDRESS": f"127.0.0.1:{tts_port}",
        "STT_GATEWAY_REDIS_URL": redis_url,
    }
    port = settings.gateway_port
    children["gateway"] = start_python("gateway", {**gateway_env, "STT_GATEWAY_PORT": str(port)})
    print(
        f"stt: ASR service on 127.0.0.1:{asr_port}, embedding service on 127.0.0.1:{embed_port}, "
        f"LLM service on 127.0.0.1:{llm_port} (llama.cpp engine on {engine_port}), "
        f"translation service on 127.0.0.1:{translate_port}, audio service on 127.0.0.1:{audio_port}, "
        f"speech synthesis on 127.0.0.1:{tts_port}; "
        f"gateway on http://127.0.0.1:{port} (Ctrl-C stops all)",
        flush=True,
    )

    stopping = False

    def request_stop(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    next_engine_check = time.monotonic()
    while not stopping:
        if engine_pending and time.monotonic() >= next_engine_check:
            next_engine_check = time.monotonic() + _ENGINE_CHECK_EVERY_S
            if llm_engine_installed():
                print("stt: the LLM engine is installed; starting it", flush=True)
                children["llm-engine"] = start_llm_engine(engine_port, LlmSettings().context_tokens)
                engine_pending = False
        for name, process in children.items():
            if process.poll() is not None:
                print(f"stt: {name} exited with code {process.returncode}; stopping the platform", flush=True)
                exit_code = 1
                stopping = True
        time.sleep(0.2)
    # Gateway first, so no request reaches a service that is already gone; Redis last.
    order = ("gateway", "asr", "audio", "tts", "embed", "translate", "llm", "llm-engine", "redis")
    stop([children[name] for name in order if name in children])
    print("stt: stopped", flush=True)
    return exit_code
