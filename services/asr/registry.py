"""The model registry: public model ids, the weights installed for them, aliases, and the loaded models."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from faster_whisper import WhisperModel

from services.asr import packaged_weights
from services.asr.device import Device
from services.asr.settings import AsrSettings
from services.common.errors import InvalidRequestError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelCard:
    name: str
    languages: int
    speed: str


# The public catalogue: the four ids of the public API first, then the weights that ship as packages.
CATALOGUE: dict[str, ModelCard] = {
    "large-v3-turbo": ModelCard("Whisper Large V3 Turbo", 99, "fast"),
    "large-v3": ModelCard("Whisper Large V3", 99, "standard"),
    "medium": ModelCard("Whisper Medium", 99, "fast"),
    "small": ModelCard("Whisper Small", 99, "very_fast"),
    "base": ModelCard("Whisper Base", 99, "very_fast"),
    "tiny.en": ModelCard("Whisper Tiny (English)", 1, "very_fast"),
}


class UnknownModelError(InvalidRequestError):
    """The requested id is neither installed nor an alias of installed weights."""


@dataclass(frozen=True)
class Resolution:
    requested: str
    weights_id: str
    is_alias: bool


@dataclass(frozen=True)
class ModelEntry:
    id: str
    card: ModelCard
    installed: bool
    served_by: str
    is_alias: bool
    loaded: bool


class ModelRegistry:
    def __init__(self, settings: AsrSettings, device: Device) -> None:
        self._settings = settings
        self._device = device
        self._weights = self._find_weights(settings)
        self._loaded: dict[str, WhisperModel] = {}
        self._load_lock = threading.Lock()

    @staticmethod
    def _find_weights(settings: AsrSettings) -> dict[str, Path]:
        found: dict[str, Path] = {}
        tiny = packaged_weights.tiny_en()
        if tiny:
            found["tiny.en"] = tiny
        base = packaged_weights.base(settings.data_dir)
        if base:
            found["base"] = base
        for model_id, path in settings.model_paths.items():
            if (Path(path) / "model.bin").is_file():
                found[model_id] = Path(path)
            else:
                log.warning("weights for %s not found at %s; the id is not installed", model_id, path)
        return found

    @property
    def installed(self) -> dict[str, Path]:
        return dict(self._weights)

    def resolve(self, requested: str) -> Resolution:
        model_id = requested or self._settings.default_model
        if model_id in self._weights:
            return Resolution(model_id, model_id, is_alias=False)
        target = self._settings.aliases.get(model_id)
        if target in self._weights:
            return Resolution(model_id, target, is_alias=True)
        available = sorted(
            set(self._weights) | {a for a, t in self._settings.aliases.items() if t in self._weights}
        )
        raise UnknownModelError(f"model '{model_id}' is not installed; available: {', '.join(available)}")

    def get(self, weights_id: str) -> WhisperModel:
        """The loaded model for installed weights, loading it on first use."""
        with self._load_lock:
            model = self._loaded.get(weights_id)
            if model is None:
                model = self._load(weights_id)
                self._loaded[weights_id] = model
            return model

    def _load(self, weights_id: str) -> WhisperModel:
        path = self._weights[weights_id]
        log.info(
            "loading %s from %s on %s (%s)", weights_id, path, self._device.name, self._device.compute_type
        )
        return WhisperModel(
            str(path),
            device=self._device.name,
            compute_type=self._device.compute_type,
            cpu_threads=self._settings.cpu_threads,
            num_workers=self._settings.workers + self._settings.stream_workers,
        )

    def preload(self) -> None:
        for weights_id in self._settings.preload:
            if weights_id in self._weights:
                self.get(weights_id)
            else:
                log.warning("preload: %s is not installed", weights_id)
        self.get(self.resolve("").weights_id)

    def unload(self) -> None:
        with self._load_lock:
            self._loaded.clear()

    def entries(self) -> list[ModelEntry]:
        ids = list(CATALOGUE) + sorted(set(self._weights) - set(CATALOGUE))
        entries = []
        for model_id in ids:
            card = CATALOGUE.get(model_id, ModelCard(f"Whisper {model_id}", 99, "standard"))
            try:
                resolution = self.resolve(model_id)
            except UnknownModelError:
                entries.append(ModelEntry(model_id, card, False, "", False, False))
                continue
            entries.append(
                ModelEntry(
                    model_id,
                    card,
                    installed=True,
                    served_by=resolution.weights_id,
                    is_alias=resolution.is_alias,
                    loaded=resolution.weights_id in self._loaded,
                )
            )
        return entries

    def is_multilingual(self, weights_id: str) -> bool:
        return not weights_id.endswith(".en")
