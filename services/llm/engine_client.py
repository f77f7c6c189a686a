"""The OpenAI-compatible engine over httpx: chat completions and token counts. llama.cpp's server and
vLLM speak the same API; only the tokenizer path differs (a setting)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from services.common.errors import UnavailableError
from services.llm.settings import LlmSettings


class EngineUnavailableError(UnavailableError):
    """The engine did not answer, or answered with a server error."""


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cut_off: bool = False
    """The answer stopped at `max_tokens`, not where the model ended it."""


def _messages(system: str, user: str, history: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system},
        *({"role": role, "content": content} for role, content in history),
        {"role": "user", "content": user},
    ]


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

    async def chat(
        self,
        system: str,
        user: str,
        max_tokens: int,
        *,
        history: Sequence[tuple[str, str]] = (),
        json_schema: dict[str, Any] | None = None,
    ) -> Completion:
        """One answer to `user` after the earlier `(role, content)` turns of `history`; with
        `json_schema`, the engine is asked to decode only JSON of that shape (where it can)."""
        body: dict[str, Any] = {
            "model": self._settings.engine_model,
            "messages": _messages(system, user, history),
            "max_tokens": max_tokens,
            "temperature": self._settings.temperature,
        }
        if json_schema is not None:
            body.update(self._schema_guided(json_schema))
        answer = await self._post("/v1/chat/completions", body)
        usage = answer.get("usage") or {}
        choice = answer["choices"][0]
        return Completion(
            text=str(choice["message"]["content"] or "").strip(),
            cut_off=choice.get("finish_reason") == "length",
            model=str(answer.get("model") or self._settings.engine_model),
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
        )

    async def chat_stream(
        self, system: str, user: str, max_tokens: int, *, history: Sequence[tuple[str, str]] = ()
    ) -> AsyncIterator[tuple[str, str]]:
        """The answer as it is written: `(text delta, model)` pairs from the engine's event stream."""
        body = {
            "model": self._settings.engine_model,
            "messages": _messages(system, user, history),
            "max_tokens": max_tokens,
            "temperature": self._settings.temperature,
            "stream": True,
        }
        try:
            async with self._http.stream("POST", "/v1/chat/completions", json=body) as answer:
                if answer.status_code >= 400:
                    detail = (await answer.aread()).decode(errors="replace")[:200]
                    raise EngineUnavailableError(
                        f"the language model engine failed ({answer.status_code}): {detail}"
                    )
                async for line in answer.aiter_lines():
                    if not line.startswith("data:") or line == "data: [DONE]":
                        continue
                    chunk = json.loads(line[5:])
                    choices = chunk.get("choices") or [{}]
                    delta = (choices[0].get("delta") or {}).get("content")
                    if delta:
                        yield delta, str(chunk.get("model") or self._settings.engine_model)
        except httpx.HTTPError as exc:
            raise EngineUnavailableError(f"the language model engine did not answer: {exc}") from exc

    def _schema_guided(self, schema: dict[str, Any]) -> dict[str, Any]:
        style = self._settings.schema_guided_decoding
        if style == "llama_cpp":  # llama-cpp-python turns the schema into a grammar
            return {"response_format": {"type": "json_object", "schema": schema}}
        if style == "openai":  # vLLM's guided decoding through the OpenAI form
            return {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "answer", "schema": schema},
                }
            }
        return {}

    async def count_tokens(self, text: str) -> int:
        # llama.cpp's server reads `input`, vLLM's `prompt`.
        body = {"input": text, "prompt": text, "model": self._settings.engine_model}
        answer = await self._post(self._settings.tokenize_path, body)
        return len(answer["tokens"])

    async def close(self) -> None:
        await self._http.aclose()
