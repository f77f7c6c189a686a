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


def choose_device(settings: AsrSettings) -> Device:
    name = settings.device
    if name == "auto":
        name = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute_type = settings.compute_type
    if compute_type == "auto":
        compute_type = "float16" if name == "cuda" else "int8"
    return Device(name, compute_type, settings.batch_size)
