"""The OpenAI-compatible engine over httpx: chat completions and token counts. llama.cpp's server and
vLLM speak the same API; only the tokenizer path differs (a setting)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from services.llm.settings import LlmSettings


class EngineUnavailableError(RuntimeError):
    """The engine did not answer, or answered with a server error."""


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int


class EngineClient:
    def __init__(self, settings: LlmSettings) -> None:
        self._settings = settings
        self._http = httpx.AsyncClient(base_url=settings.engine_url, timeout=settings.engine_timeout_s)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = await self._http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise EngineUnavailableError(f"the language model engine did not answer: {exc}") from exc
        if answer.status_code >= 400:
            raise EngineUnavailableError(
                f"the language model engine failed ({answer.status_code}): {answer.text[:200]}"
            )
        return answer.json()  # type: ignore[no-any-return]

    async def chat(self, system: str, user: str, max_tokens: int) -> Completion:
        body = {
            "model": self._settings.engine_model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "max_tokens": max_tokens,
            "temperature": self._settings.temperature,
        }
        answer = await self._post("/v1/chat/completions", body)
        usage = answer.get("usage") or {}
        return Completion(
            text=str(answer["choices"][0]["message"]["content"] or "").strip(),
            model=str(answer.get("model") or self._settings.engine_model),
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
        )

    async def count_tokens(self, text: str) -> int:
        # llama.cpp's server reads `input`, vLLM's `prompt`.
        body = {"input": text, "prompt": text, "model": self._settings.engine_model}
        answer = await self._post(self._settings.tokenize_path, body)
        return len(answer["tokens"])

    async def close(self) -> None:
        await self._http.aclose()
