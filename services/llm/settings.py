"""Settings of the LLM service (env prefix `STT_LLM_`)."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class LlmSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STT_LLM_", extra="ignore", populate_by_name=True)

    port: int = 50053
    engine_url: str = "http://127.0.0.1:8090"
    """Base URL of the OpenAI-compatible engine: llama.cpp's server on the CPU default (`stt serve`
    starts it), a vLLM server on a GPU deployment."""
    engine_model: str = "SmolLM2-135M-Instruct"
    """The model name sent to the engine (vLLM serves by this name; llama.cpp's server takes any)."""
    tokenize_path: str = "/extras/tokenize"
    """The engine's tokenizer endpoint: `/extras/tokenize` on llama.cpp's server, `/tokenize` on vLLM.
    Long text is split by the engine's own token counts."""
    engine_start_timeout_s: float = 300.0
    """The service reports SERVING once the engine answers; past this it gives up and exits (0 waits
    without end: `stt serve` while `make run` still builds the engine)."""
    engine_timeout_s: float = 120.0
    """How long one engine call may take before the service answers UNAVAILABLE."""
    context_tokens: int = 2048
    """The engine's context window (llama.cpp `--n_ctx`, vLLM `--max-model-len`)."""
    answer_tokens: int = 256
    """The longest answer asked for; a prompt gets the context minus this."""
    max_input_chars: int = 400_000
    """Longer text is refused (OUT_OF_RANGE, which the gateway answers as 413) rather than cut."""
    temperature: float = 0.2
    schema_guided_decoding: Literal["llama_cpp", "openai", "none"] = "llama_cpp"
    """How the engine is asked for JSON of a given shape: `llama_cpp` (llama-cpp-python's server turns
    the schema into a grammar), `openai` (`response_format` `json_schema`, as vLLM serves it), or `none`
    (the prompt only). Every structured answer is validated either way, and asked for once more."""
    structured_answer_tokens: int = 768
    """The longest structured answer (a blog post, a quiz) asked for."""
