"""Chooses where the models run: float16 on CUDA when CTranslate2 sees a GPU, int8 on the CPU."""

from __future__ import annotations

from dataclasses import dataclass

import ctranslate2

from services.asr.settings import AsrSettings


@dataclass(frozen=True)
class Device:
    name: str
    compute_type: str
    batch_size: int

    @property
    def is_cuda(self) -> bool:
        return self.name == "cuda"


def choose_device(settings: AsrSettings) -> Device:
    name = settings.device
    if name == "auto":
        name = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute_type = settings.compute_type
    if compute_type == "auto":
        compute_type = "float16" if name == "cuda" else "int8"
    batch_size = settings.batch_size
    if batch_size < 0:
        # Batching VAD chunks per forward pass pays on a GPU above all, and on two CPU cores too:
        # measured 1.4x faster than the sequential decoder, with fewer errors (bench/README.md).
        batch_size = 16 if name == "cuda" else 8
    return Device(name, compute_type, batch_size)
