"""WAV files written a block at a time: 16-bit PCM or 32-bit float, mono, sizes known up front."""

from __future__ import annotations

import struct
from typing import BinaryIO

import numpy as np

from stt.v1 import audio_pb2

_PCM, _IEEE_FLOAT = 1, 3


def header(samples: int, rate: int, encoding: int) -> bytes:
    floats = encoding == audio_pb2.FLOAT_32
    width = 4 if floats else 2
    data = samples * width
    fmt = struct.pack("<HHIIHH", _IEEE_FLOAT if floats else _PCM, 1, rate, rate * width, width, 8 * width)
    # Float data needs a `fact` chunk (its sample count): the format is not PCM.
    fact = b"fact" + struct.pack("<II", 4, samples) if floats else b""
    size = 4 + (8 + len(fmt)) + len(fact) + 8 + data
    return (
        b"RIFF"
        + struct.pack("<I", size)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + fact
        + (b"data" + struct.pack("<I", data))
    )


def write_block(sink: BinaryIO, block: np.ndarray, encoding: int) -> None:
    if encoding == audio_pb2.FLOAT_32:
        sink.write(block.astype("<f4").tobytes())
    else:
        sink.write(np.clip(np.round(block * 32767.0), -32768, 32767).astype("<i2").tobytes())
