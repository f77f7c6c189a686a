"""The LLM service's runtime: the weights live in the engine, its own process (vLLM's OpenAI server, or
llama.cpp's on the CPU default), so loading is waiting for the engine to answer."""

from __future__ import annotations

import threading
import time

import httpx

from services.llm.settings import LlmSettings


class EngineRuntime:
    """The weights live in the engine, its own process: this service is ready once the engine answers,
    and gives up (the process exits) if it does not within `engine_start_timeout_s` (0: it waits, as
    under `make run` while the engine is still being built)."""

    def __init__(self, settings: LlmSettings) -> None:
        self._settings = settings
        self._closed = threading.Event()

    def load(self) -> None:
        deadline = time.monotonic() + self._settings.engine_start_timeout_s
        # One client for every try: a new one each time costs tens of milliseconds of CPU (its TLS
        # context), which adds up over the minutes an engine may take to be built.
        with httpx.Client(timeout=2) as client:
            while True:
                try:
                    if client.get(f"{self._settings.engine_url}/v1/models").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if self._settings.engine_start_timeout_s and time.monotonic() > deadline:
                    raise RuntimeError(f"the engine at {self._settings.engine_url} did not answer")
                if self._closed.wait(0.5):  # stopped while still waiting: the process may exit
                    return

    def close(self) -> None:
        """Nothing is held here but the wait for the engine, which ends."""
        self._closed.set()
