"""Speaker embeddings: 3D-Speaker's CAM++ on Kaldi-style log-mel filterbanks, batched.

CAM++ was trained on 80-bin fbank (25 ms Povey windows, 10 ms hop, no dither) of int16-scaled audio,
mean-normalised over each utterance; kaldi-native-fbank computes exactly that. Pieces of different
lengths share a batch by repeating the shorter ones' frames to the longest: the statistics pooling then
sees the same mean and spread it would see alone, where zero padding would pull both down.

oneDNN keeps compiled kernels per input shape, so batches come in few shapes: their pieces are repeated
up to a whole number of half seconds (a shape for every piece length grew the service by 40 MB a minute
of audio), and a batch is filled up to a multiple of `_BATCH_STEP` pieces (every batch size from 1 to 32
held about 300 MB more after half an hour than these four sizes; bench/README.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from services.asr.diarization.speaker_models import EMBEDDING_DIMENSION
from services.common.media import SAMPLE_RATE

_BATCH = 32
_BATCH_STEP = 8
_FRAMES_STEP = 50  # 0.5 s of 10 ms frames
MIN_PIECE_S = 0.4
"""Less speech than this says too little about a voice (and is shorter than CAM++'s receptive field)."""


def fbank(samples: np.ndarray) -> np.ndarray:
    import kaldi_native_fbank as knf

    options = knf.FbankOptions()
    options.frame_opts.samp_freq = SAMPLE_RATE
    options.frame_opts.dither = 0.0
    options.mel_opts.num_bins = 80
    extractor = knf.OnlineFbank(options)
    extractor.accept_waveform(SAMPLE_RATE, samples * 32768.0)
    extractor.input_finished()
    frames = np.stack([extractor.get_frame(i) for i in range(extractor.num_frames_ready)])
    return frames - frames.mean(axis=0)


def _tiled(features: np.ndarray, length: int) -> np.ndarray:
    repeats = -(-length // len(features))
    return np.tile(features, (repeats, 1))[:length]


class SpeakerEncoder:
    def __init__(self, model: Any, device: str) -> None:
        import torch

        self._torch = torch
        self._model = model
        self._device = device

    def embed(self, pieces: list[np.ndarray]) -> np.ndarray:
        """One unit-length embedding per piece of 16 kHz audio (each at least `MIN_PIECE_S` long)."""
        if not pieces:
            return np.zeros((0, EMBEDDING_DIMENSION), dtype=np.float32)
        features = [fbank(np.asarray(p, dtype=np.float32)) for p in pieces]
        order = np.argsort([len(f) for f in features])  # similar lengths share a batch: little repeating
        embeddings = np.zeros((len(pieces), EMBEDDING_DIMENSION), dtype=np.float32)
        for first in range(0, len(order), _BATCH):
            indices = order[first : first + _BATCH]
            longest = -(-max(len(features[i]) for i in indices) // _FRAMES_STEP) * _FRAMES_STEP
            rows = [_tiled(features[i], longest) for i in indices]
            rows += rows[:1] * (-len(rows) % _BATCH_STEP)  # filler rows, computed and dropped
            batch = np.stack(rows).astype(np.float32)
            with self._torch.inference_mode():
                out = self._model(self._torch.from_numpy(batch).to(self._device)).cpu().numpy()
            embeddings[indices] = out[: len(indices)]
        norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
        return embeddings / np.maximum(norms, 1e-9)
