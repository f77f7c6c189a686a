"""Speaker diarization: who spoke each word.

Speaker embeddings come from a pretrained GE2E speaker encoder (Resemblyzer's weights, shipped in its
package) computed on short overlapping windows of the speech the recogniser found, in batches, so an
hour of audio takes bounded memory. The windows are clustered (agglomerative, cosine distance, average
linkage): into the number of speakers the caller gave, or, with none given, until the closest clusters
are further apart than a threshold, which finds one speaker too. Each word takes the speaker whose
windows cover it most; a segment is split where its speaker changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from services.asr.media import SAMPLE_RATE, Samples, mean_square

log = logging.getLogger(__name__)

WINDOW_S = 1.6
"""The encoder's own partial-utterance length (160 frames of 10 ms)."""
_FRAMES = 160
_BATCH = 64


@dataclass(frozen=True)
class Window:
    start: float
    end: float


_SENTENCE_ENDS = (".", "?", "!", "。", "？", "！")  # noqa: RUF001  (CJK full-width marks)
_MIN_UNIT_S = 0.5
"""Units shorter than this say too little about a voice to be clustered; they join the nearest cluster."""


def speech_units(words: list[tuple[float, float, str]], pause_s: float) -> list[list[int]]:
    """Groups word indices into units that one speaker almost surely says whole: runs of words without a
    pause of `pause_s` or more and without a sentence end inside. A change of speaker comes with a
    pause or a sentence end, so cutting there keeps each unit to one voice."""
    units: list[list[int]] = []
    cut = True
    for index, (start, _, text) in enumerate(words):
        if cut or start - words[units[-1][-1]][1] >= pause_s:
            units.append([index])
        else:
            units[-1].append(index)
        cut = text.strip().endswith(_SENTENCE_ENDS)
    return units


def unit_windows(start: float, end: float, hop_s: float) -> list[Window]:
    """The encoder windows of one unit: the unit itself when short, else sliding windows over it."""
    if end - start <= WINDOW_S:
        return [Window(start, end)]
    windows = []
    position = start
    while position + WINDOW_S <= end + 1e-6:
        windows.append(Window(position, position + WINDOW_S))
        position += hop_s
    if windows[-1].end < end - hop_s / 2:
        windows.append(Window(end - WINDOW_S, end))
    return windows


def cluster(
    embeddings: np.ndarray, speakers: int, same_voice_similarity: float, max_speakers: int
) -> np.ndarray:
    """Cluster ids per unit: into `speakers` clusters, or (0) into as many as the voices support.

    Voices are compared after removing the recording's mean embedding: what every unit shares (the
    channel, the room, the microphone) says nothing about who speaks, and it crowds speakers together.
    With the count not given, the split with the best silhouette is taken, then clusters whose mean
    voices (on the raw embeddings) are closer than `same_voice_similarity` are merged: one voice that
    varies is not two speakers, and a monologue ends as one."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    if len(embeddings) < 2:
        return np.zeros(len(embeddings), dtype=int)
    centred = embeddings - embeddings.mean(axis=0)
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)

    def split(count: int) -> np.ndarray:
        model = AgglomerativeClustering(n_clusters=count, metric="cosine", linkage="average")
        return np.asarray(model.fit_predict(centred))

    if speakers > 0:
        return split(min(speakers, len(embeddings)))
    # Two units can only be told apart by their voices' similarity: split them, the merge decides.
    labels, best_score = (
        np.arange(len(embeddings)) if len(embeddings) == 2 else np.zeros(len(embeddings), int),
        -1.0,
    )
    for count in range(2, min(max_speakers, len(embeddings) - 1) + 1):
        candidate = split(count)
        score = float(silhouette_score(centred, candidate, metric="cosine"))
        if score > best_score:
            labels, best_score = candidate, score
    return merge_same_voices(embeddings, labels, same_voice_similarity)


def merge_same_voices(embeddings: np.ndarray, labels: np.ndarray, same_voice_similarity: float) -> np.ndarray:
    labels = labels.copy()
    while len(np.unique(labels)) > 1:
        ids = np.unique(labels)
        centroids = np.stack([embeddings[labels == c].mean(axis=0) for c in ids])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -1.0)
        first, second = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        if similarity[first, second] < same_voice_similarity:
            break
        labels[labels == ids[second]] = ids[first]
    return labels


def nearest(embeddings: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.asarray(np.argmax(embeddings @ centroids.T, axis=1))


def in_order_of_appearance(assigned: list[int]) -> list[int]:
    """Renumbers clusters 0, 1, 2... by the order in which they first speak."""
    order: dict[int, int] = {}
    for speaker in assigned:
        order.setdefault(speaker, len(order))
    return [order[s] for s in assigned]


class SpeakerEncoder:
    """The pretrained GE2E speaker encoder, batched, on CPU or CUDA."""

    def __init__(self, device: str) -> None:
        import torch
        from resemblyzer import VoiceEncoder

        self._torch = torch
        self._encoder = VoiceEncoder(device, verbose=False)
        self._encoder.eval()
        self.device = device

    def embed(self, audio: Samples, windows: list[Window]) -> np.ndarray:
        from resemblyzer.audio import wav_to_mel_spectrogram

        # The encoder was trained on speech normalised to -30 dBFS.
        rms = float(np.sqrt(mean_square(audio))) or 1e-9
        gain = 10 ** ((-30 - 20 * np.log10(rms)) / 20)
        embeddings = []
        for first in range(0, len(windows), _BATCH):
            mels = []
            for window in windows[first : first + _BATCH]:
                piece = audio[int(window.start * SAMPLE_RATE) : int(window.end * SAMPLE_RATE)] * gain
                mel = wav_to_mel_spectrogram(
                    np.pad(piece, (0, max(0, int(WINDOW_S * SAMPLE_RATE) - len(piece))))
                )
                mels.append(mel[:_FRAMES])
            batch = self._torch.from_numpy(np.stack(mels)).to(self._encoder.device)
            with self._torch.inference_mode():
                embeddings.append(self._encoder(batch).cpu().numpy())
        return np.concatenate(embeddings) if embeddings else np.zeros((0, 256), dtype=np.float32)


class Diarizer:
    def __init__(
        self,
        device: str,
        *,
        hop_s: float,
        same_voice_similarity: float,
        pause_s: float,
        max_speakers: int,
        max_clustered_units: int = 800,
    ) -> None:
        self._device = device
        self._max_clustered_units = max_clustered_units
        self._hop_s = hop_s
        self._same_voice_similarity = same_voice_similarity
        self._pause_s = pause_s
        self._max_speakers = max_speakers
        self._encoder: SpeakerEncoder | None = None

    def load(self) -> None:
        self._encoder = SpeakerEncoder(self._device)
        log.info("speaker encoder loaded on %s", self._device)

    def _unit_embeddings(self, audio: Samples, spans: list[tuple[float, float]]) -> np.ndarray:
        assert self._encoder is not None
        windows: list[Window] = []
        owners: list[int] = []
        for unit, (start, end) in enumerate(spans):
            for window in unit_windows(start, end, self._hop_s):
                windows.append(window)
                owners.append(unit)
        per_window = self._encoder.embed(audio, windows)
        sums = np.zeros((len(spans), per_window.shape[1]), dtype=np.float64)
        np.add.at(sums, np.asarray(owners), per_window)
        return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)

    def speakers_of(self, audio: Samples, words: list[tuple[float, float, str]], speakers: int) -> list[int]:
        """A speaker number (0, 1, ... in order of appearance) for each word (start, end, text)."""
        if not words or speakers == 1:
            return [0] * len(words)
        if self._encoder is None:
            self.load()
        units = speech_units(words, self._pause_s)
        spans = [(words[u[0]][0], words[u[-1]][1]) for u in units]
        embeddings = self._unit_embeddings(audio, spans)
        solid = np.flatnonzero([end - start >= _MIN_UNIT_S for start, end in spans])
        if len(solid) < 2:
            return [0] * len(words)
        # Clustering compares every pair of units: past a bound, units spread evenly over the recording
        # are clustered and every other unit joins its nearest voice, so the memory and time of a
        # long recording stay bounded.
        picked = solid
        if len(solid) > self._max_clustered_units:
            picked = solid[np.linspace(0, len(solid) - 1, self._max_clustered_units).astype(int)]
        labels = np.full(len(units), -1, dtype=int)
        similarity, most = self._same_voice_similarity, self._max_speakers
        labels[picked] = cluster(embeddings[picked], speakers, similarity, most)
        found = np.unique(labels[picked])
        rest = labels < 0
        if rest.any():
            centroids = np.stack([embeddings[labels == c].mean(axis=0) for c in found])
            labels[rest] = found[nearest(embeddings[rest], centroids)]
        per_word = [0] * len(words)
        for unit, label in zip(units, labels, strict=True):
            for index in unit:
                per_word[index] = int(label)
        return in_order_of_appearance(per_word)
