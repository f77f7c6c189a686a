"""The settings every service shares; each service subclasses this with its own env prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Where a gRPC service listens and how it reports. Subclasses set `env_prefix` (`STT_ASR_`, ...)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    """Interface the gRPC server binds to (`0.0.0.0` in a container)."""
    port: int = 50051
    """gRPC port."""
    metrics_port: int = 0
    """Port of the Prometheus `/metrics` HTTP endpoint; 0 turns it off."""
    data_dir: Path = Field(default=Path("data"), validation_alias=AliasChoices("STT_DATA_DIR"))
    """The platform's data folder (shared by every component): joined model weights, spooled uploads."""
    log_level: str = "INFO"
    grace_seconds: float = 5.0
    """How long in-flight calls may finish when the service is asked to stop."""

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"
