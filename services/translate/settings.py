"""Settings of the translation service (env prefix `STT_TRANSLATE_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from services.common.settings import ServiceSettings


class TranslateSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STT_TRANSLATE_", extra="ignore", populate_by_name=True)

    port: int = 50054
    model_path: Path | None = None
    """A CTranslate2 translator folder (MADLAD-400 in production: model.bin, vocabulary, SentencePiece
    model). Empty: no neural model, Apertium's pairs only. Its pairs are tried before Apertium's."""
    model_name: str = ""
    """The name every answer gives for the model (`madlad400-3b-mt`); empty: the folder's name."""
    model_family: Literal["auto", "madlad", "nllb", "m2m100", "marian"] = "auto"
    """How the model is told the languages; `auto` reads it from the language tokens of its vocabulary."""
    model_sources: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Languages the model reads (comma-separated). Required for a one-pair OPUS-MT model; for the
    others, a subset of the languages their vocabulary names (empty: all of them)."""
    model_targets: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Languages the model writes, as `model_sources`."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str = "default"
    """CTranslate2's compute type (`int8_float16` on a GPU, `int8` on a CPU); `default` keeps the
    type the model was converted to."""
    beam_size: int = 2
    max_batch_size: int = 32
    """Sentences decoded together (CTranslate2 sorts a request's sentences by length first)."""
    max_decoding_length: int = 512
    """The most tokens one translated sentence may have."""
    threads: int = 0
    """Threads of one translation on the CPU (0: CTranslate2 chooses)."""
    apertium: bool = True
    """Serve the Apertium pairs installed on this machine (Debian's `apertium-eng-spa` & co)."""
    apertium_data_dir: Path = Path("/usr/share/apertium")
    apertium_timeout_s: float = 120.0
    workers: int = 1
    """Batches translated at the same time (each holds a thread; CTranslate2 gets as many replicas)."""
    max_waiting: int = 16
    """Requests that may wait for a worker; more are refused (RESOURCE_EXHAUSTED) at once."""
    max_texts: int = 1000
    """The most texts one request may carry."""
    max_text_chars: int = 50_000
    """The longest text, in characters."""
    max_request_chars: int = 200_000
    """All the texts of one request together, in characters."""
    max_piece_chars: int = 400
    """The longest piece a text is cut into: a sentence longer than this is cut at a space before it."""

    @field_validator("model_sources", "model_targets", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return [code for code in value.split(",") if code.strip()] if isinstance(value, str) else value
