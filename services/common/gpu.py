"""GPU facts read from the real hardware: NVML first, `nvidia-smi` where NVML cannot be loaded."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class GpuFacts:
    available: bool
    name: str = ""
    memory_mb: int = 0
    memory_used_mb: int = 0


NO_GPU = GpuFacts(available=False)


def _from_nvml() -> GpuFacts | None:
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:
        return None
    try:
        if pynvml.nvmlDeviceGetCount() == 0:
            return NO_GPU
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        name = pynvml.nvmlDeviceGetName(handle)
        memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
        return GpuFacts(
            available=True,
            name=name.decode() if isinstance(name, bytes) else str(name),
            memory_mb=int(memory.total) // (1024 * 1024),
            memory_used_mb=int(memory.used) // (1024 * 1024),
        )
    finally:
        pynvml.nvmlShutdown()


def _from_nvidia_smi() -> GpuFacts | None:
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,memory.used", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (subprocess.SubprocessError, OSError):
        return None
    first = out.strip().splitlines()[:1]
    if not first:
        return NO_GPU
    name, total, used = (part.strip() for part in first[0].split(","))
    return GpuFacts(available=True, name=name, memory_mb=int(float(total)), memory_used_mb=int(float(used)))


def read_gpu_facts() -> GpuFacts:
    """The first GPU's facts, or `gpu_available: false` on a machine without one."""
    return _from_nvml() or _from_nvidia_smi() or NO_GPU
