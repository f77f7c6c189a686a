"""WAV files written a block at a time: mono 16-bit PCM or 32-bit float, their sizes known up front,
or left open (a stream of unknown length, which players read to its end)."""

from __future__ import annotations

import struct
from typing import BinaryIO

import numpy as np

_PCM, _IEEE_FLOAT = 1, 3
UNKNOWN = 0xFFFFFFFF


def header(samples: int | None, rate: int, floats: bool = False) -> bytes:
    """The header of `samples` mono samples at `rate`; None for a stream whose length is not known."""
    width = 4 if floats else 2
    data = UNKNOWN if samples is None else samples * width
    fmt = struct.pack("<HHIIHH", _IEEE_FLOAT if floats else _PCM, 1, rate, rate * width, width, 8 * width)
    # Float data needs a `fact` chunk (its sample count): the format is not PCM.
    fact = b"fact" + struct.pack("<II", 4, samples or 0) if floats else b""
    size = UNKNOWN if samples is None else 4 + (8 + len(fmt)) + len(fact) + 8 + data
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + fact + b"data" + struct.pack("<I", data)
    return b"RIFF" + struct.pack("<I", size) + b"WAVE" + chunks


def block_bytes(block: np.ndarray, floats: bool = False) -> bytes:
    if floats:
        return block.astype("<f4").tobytes()
    return np.clip(np.round(block * 32767.0), -32768, 32767).astype("<i2").tobytes()


def write_block(sink: BinaryIO, block: np.ndarray, floats: bool = False) -> None:
    sink.write(block_bytes(block, floats))
