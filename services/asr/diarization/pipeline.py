"""Speaker diarization of a recording: segmentation, embeddings, clustering, reconstruction.

1. segmentation-3.0 says, in 10 s chunks `step_s` apart, when each of up to three local speakers talks
   (overlap included); each chunk owns the part of the recording nearest its centre;
2. each local speaker's solo speech in the part its chunk owns is cut into pieces of at most `piece_s`
   and embedded with CAM++, a batch of chunks at a time (an hour holds one batch of audio);
3. the pieces are clustered (spectral; with the count not given, the most clusters that are all
   distinct voices, within the caller's bounds); past `max_clustered` pieces a sample spread over the
   recording is clustered and the rest join their nearest voice;
4. every frame of a local speaker takes the voice of its nearest piece (so a local speaker that the
   segmentation merged from two similar voices is still parted); each chunk covering a frame has a
   say in who talks there and how many, the more the nearer the frame is to the chunk's centre, and
   each frame keeps as many speakers as the chunks counted there: two in overlap; frames where Silero
   VAD hears no speech keep none (voice_activity.py says why).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Protocol

import numpy as np

from services.asr.diarization.clustering import SpeakerBounds, VoiceRule, centroids_of, cluster, spread_sample
from services.asr.diarization.embeddings import MIN_PIECE_S, SpeakerEncoder
from services.asr.diarization.segmentation import LocalActivity, Segmenter
from services.asr.diarization.speaker_models import SpeakerModelFiles, load_campplus, load_segmentation
from services.asr.diarization.timeline import SpeakerTimeline, runs
from services.asr.diarization.voice_activity import speech_frames
from services.common.media import SAMPLE_RATE, Samples

log = logging.getLogger(__name__)

_CHUNKS_PER_BATCH = 8
_EDGE_WEIGHT = 1e-3
"""The weight of a chunk's first and last frames beside the Hamming window's zero: a frame only one
chunk covers still counts."""


class DiarizationCancelledError(RuntimeError):
    """The caller went away; diarization stopped at the next batch of windows."""


class StopSignal(Protocol):
    """What diarization asks between batches: a `threading.Event`, or several of them as one."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class DiarizationOptions:
    step_s: float = 5.0
    """Step between the 10 s segmentation chunks."""
    piece_s: float = 1.5
    """The longest stretch of one local speaker's speech embedded at once."""
    min_separation: float = 0.1
    """With the count not given, two clusters are two speakers only when their pieces are at least this
    much more alike (cosine) within each cluster than across the two."""
    min_voice_s: float = 1.0
    """With the count not given, a cluster is a speaker only with at least this much solo speech."""
    max_clustered: int = 800
    """Pieces clustered at most (clustering compares every pair); the others follow their voice."""
    bridge_s: float = 0.3
    """A speaker's pauses shorter than this stay inside the turn (breaths between words)."""
    speech_pad_s: float = 0.1
    """A speaker is active only within this distance of speech that Silero VAD hears."""
    speech_min_silence_ms: int = 300
    """Silero's speech resumed after a shorter silence counts as unbroken."""

    @property
    def voice_rule(self) -> VoiceRule:
        return VoiceRule(self.min_separation, self.min_voice_s)


@dataclass
class Pieces:
    """Embedded pieces of solo speech, and whose they are: (chunk, local speaker) and seconds."""

    embeddings: list[np.ndarray] = field(default_factory=list)
    owners: list[tuple[int, int]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    frames: list[np.ndarray] = field(default_factory=list)
    """Each piece's frames, counted from its chunk's first frame."""


def _frame_samples(local: LocalActivity, frames: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges covered by global frame indices (runs of consecutive frames join)."""
    step, ranges = local.grid.step, []
    for first, last in runs(np.isin(np.arange(frames.min(), frames.max() + 1), frames)):
        start = float(local.grid.centre(frames.min() + first)) - step / 2
        end = float(local.grid.centre(frames.min() + last - 1)) + step / 2
        ranges.append((max(0, int(start * SAMPLE_RATE)), int(end * SAMPLE_RATE)))
    return ranges


def _owned_frames(local: LocalActivity) -> list[tuple[int, int]]:
    """For each chunk, the range of its own frames that lie in the part of the recording it owns."""
    centres = local.chunk_offsets + local.active.shape[1] / 2
    bounds = np.concatenate([[0], (centres[:-1] + centres[1:]) / 2, [local.total_frames]]).astype(int)
    return [
        (max(0, int(bounds[c]) - int(off)), min(local.active.shape[1], int(bounds[c + 1]) - int(off)))
        for c, off in enumerate(local.chunk_offsets)
    ]


def frame_voices(
    local: LocalActivity, pieces: Pieces, labels: np.ndarray
) -> dict[tuple[int, int], np.ndarray]:
    """The voice of every frame of each (chunk, local speaker) that has embedded speech: the voice
    of its nearest embedded piece, so a local speaker the segmentation merged from two voices is
    still parted where the pieces part."""
    placed: dict[tuple[int, int], tuple[list[np.ndarray], list[np.ndarray]]] = {}
    for owner, frames, label in zip(pieces.owners, pieces.frames, labels, strict=True):
        frame_lists, label_lists = placed.setdefault(owner, ([], []))
        frame_lists.append(frames)
        label_lists.append(np.full(len(frames), label))
    voices: dict[tuple[int, int], np.ndarray] = {}
    every = np.arange(local.active.shape[1])
    for owner, (frame_lists, label_lists) in placed.items():
        frames, known = np.concatenate(frame_lists), np.concatenate(label_lists)
        order = np.argsort(frames)
        frames, known = frames[order], known[order]
        after = np.clip(np.searchsorted(frames, every), 0, len(frames) - 1)
        before = np.clip(after - 1, 0, len(frames) - 1)
        closer = np.abs(frames[before] - every) <= np.abs(frames[after] - every)
        voices[owner] = np.where(closer, known[before], known[after])
    return voices


class Diarizer:
    def __init__(
        self,
        device: str,
        options: DiarizationOptions,
        embedding_weights: Path | None = None,
        segmentation_weights: Path | None = None,
    ) -> None:
        self._weights = (embedding_weights, segmentation_weights)
        self._device = device
        self.options = options
        self._segmenter: Segmenter | None = None
        self._encoder: SpeakerEncoder | None = None

    def load(self) -> None:
        files = SpeakerModelFiles.locate(*self._weights)
        model, payload = load_segmentation(files.segmentation_weights, self._device)
        self._segmenter = Segmenter(model, payload, self._device, self.options.step_s)
        self._encoder = SpeakerEncoder(load_campplus(files.embedding_weights, self._device), self._device)
        log.info("speaker models loaded on %s (segmentation-3.0, CAM++)", self._device)

    def _models(self) -> tuple[Segmenter, SpeakerEncoder]:
        """The loaded models; a diarizer not loaded at start-up loads them at its first use."""
        if self._segmenter is None or self._encoder is None:
            self.load()
        assert self._segmenter is not None and self._encoder is not None
        return self._segmenter, self._encoder

    @property
    def segmenter(self) -> Segmenter:
        return self._models()[0]

    @property
    def encoder(self) -> SpeakerEncoder:
        return self._models()[1]

    def diarize(
        self, audio: Samples, bounds: SpeakerBounds, cancelled: StopSignal | None = None
    ) -> SpeakerTimeline:
        """The recording's speaker timeline, speakers numbered in order of first appearance. A set
        `cancelled` stops the work at the next batch of windows (an hour takes about a minute)."""
        local = self.segmenter.run(audio)
        pieces = self.embed_pieces(audio, local, cancelled)
        labels = self._voices(pieces, bounds)
        voices = frame_voices(local, pieces, labels)
        count = int(labels.max()) + 1 if len(labels) else 0
        options = self.options
        heard = speech_frames(
            audio, local.grid, local.total_frames, options.speech_pad_s, options.speech_min_silence_ms
        )
        timeline = self.reconstruct(local, voices, count, len(audio) / SAMPLE_RATE, heard)
        return timeline.in_order_of_appearance()

    def embed_pieces(
        self, audio: Samples, local: LocalActivity, cancelled: StopSignal | None = None
    ) -> Pieces:
        pieces = Pieces()
        owned = _owned_frames(local)
        most = max(1, int(self.options.piece_s / local.grid.step))
        for first in range(0, len(local.chunk_starts), _CHUNKS_PER_BATCH):
            if cancelled is not None and cancelled.is_set():
                raise DiarizationCancelledError("the caller cancelled the transcription")
            batch_audio: list[np.ndarray] = []
            for chunk in range(first, min(first + _CHUNKS_PER_BATCH, len(local.chunk_starts))):
                active = local.active[chunk]
                solo = active.sum(axis=1) == 1
                lo, hi = owned[chunk]
                for speaker in range(active.shape[1]):
                    frames = np.flatnonzero(active[lo:hi, speaker] & solo[lo:hi]) + lo
                    for part in np.array_split(frames, max(1, -(-len(frames) // most))):
                        seconds = len(part) * local.grid.step
                        if seconds < MIN_PIECE_S:
                            continue
                        ranges = _frame_samples(local, part + local.chunk_offsets[chunk])
                        batch_audio.append(np.concatenate([audio[a:b] for a, b in ranges]))
                        pieces.owners.append((chunk, speaker))
                        pieces.seconds.append(seconds)
                        pieces.frames.append(part)
            if batch_audio:
                pieces.embeddings.extend(self.encoder.embed(batch_audio))
        return pieces

    def _voices(self, pieces: Pieces, bounds: SpeakerBounds) -> np.ndarray:
        """The voice (cluster label) of each piece; pieces left out of the clustered sample take the
        nearest mean voice."""
        if not pieces.embeddings:
            return np.zeros(0, dtype=int)
        embeddings = np.stack(pieces.embeddings)
        picked = spread_sample(len(embeddings), self.options.max_clustered)
        labels = np.full(len(embeddings), -1)
        seconds = np.asarray(pieces.seconds)
        labels[picked] = cluster(embeddings[picked], seconds[picked], bounds, self.options.voice_rule)
        rest = labels < 0
        if rest.any():
            centroids = centroids_of(embeddings[picked], labels[picked], seconds[picked])
            labels[rest] = np.argmax(embeddings[rest] @ centroids.T, axis=1)
        return labels

    def reconstruct(
        self,
        local: LocalActivity,
        assignment: dict[tuple[int, int], np.ndarray],
        voices: int,
        duration: float,
        heard: np.ndarray | None = None,
    ) -> SpeakerTimeline:
        """The timeline the chunks agree on; with `heard` (frames with speech), silent frames have no
        speaker."""
        total, frames_per_chunk = local.total_frames, local.active.shape[1]
        # Where two chunks cover a frame, the one whose centre is nearer counts more: the model hears
        # a moment best with context on both sides.
        weights = np.hamming(frames_per_chunk).astype(np.float32) + _EDGE_WEIGHT
        score = np.zeros((total, max(voices, 1)), dtype=np.float32)
        counted = np.zeros(total, dtype=np.float32)
        covered = np.zeros(total, dtype=np.float32)
        for chunk, offset in enumerate(local.chunk_offsets.tolist()):
            length = min(frames_per_chunk, total - offset)
            frames, weight = slice(offset, offset + length), weights[:length]
            active = local.active[chunk, :length]
            covered[frames] += weight
            counted[frames] += active.sum(axis=1) * weight
            chunk_score = np.zeros((length, score.shape[1]), dtype=np.float32)
            rows = np.arange(length)
            for speaker in range(active.shape[1]):
                voice = assignment.get((chunk, speaker))
                if voice is not None:
                    voice = voice[:length]
                    chunk_score[rows, voice] = np.maximum(chunk_score[rows, voice], active[:, speaker])
            score[frames] += chunk_score * weight[:, None]
        covered = np.maximum(covered, _EDGE_WEIGHT)
        score /= covered[:, None]
        count = np.minimum(np.rint(counted / covered).astype(int), min(2, voices))
        ranked = np.argsort(-score, axis=1, kind="stable")
        activity = np.zeros_like(score, dtype=bool)
        for place in range(min(2, voices)):
            chosen = ranked[:, place]
            keep = (count > place) & (score[np.arange(total), chosen] > 0)
            activity[np.flatnonzero(keep), chosen[keep]] = True
        if heard is not None:
            activity &= heard[:, None]
        bridge = int(self.options.bridge_s / local.grid.step)
        for column in range(activity.shape[1]):
            spans = runs(activity[:, column])
            for (_, end), (start, _) in pairwise(spans):
                if start - end <= bridge:
                    activity[end:start, column] = True
        return SpeakerTimeline(activity, local.grid, duration)
