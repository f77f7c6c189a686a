"""The speakers of a live stream.

Each finalized stretch of speech is diarized on its own, as a file is (segmentation-3.0, CAM++ pieces
of each local speaker's solo speech), and each local speaker is matched against the voices the stream
has heard so far: alike enough to one of them, it is that speaker; otherwise it is the next new one.
So a segment is labelled when it is finalized, without waiting for the stream to end. When the stream
ends, every piece heard is clustered again at once, as a file's pieces are, and live voices that turn
out to be one person are merged: the final message names each voice once, and keeps the live names
wherever clustering agrees with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from services.asr.diarization.clustering import SpeakerBounds, cluster, spread_sample
from services.asr.diarization.pipeline import Diarizer, Pieces, frame_voices
from services.asr.diarization.segmentation import LocalActivity
from services.asr.diarization.timeline import speaker_name
from services.common.media import SAMPLE_RATE

_CLEARLY_NEARER = 0.1


@dataclass(frozen=True)
class HeardStretch:
    samples: int
    local: LocalActivity
    pieces: Pieces


@dataclass
class _Heard:
    """Every embedded piece of the stream, with the live voice it was given."""

    embeddings: list[np.ndarray] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    voices: list[int] = field(default_factory=list)
    turns: list[tuple[float, float, int]] = field(default_factory=list)


class StreamSpeakers:
    def __init__(self, diarizer: Diarizer, new_voice_similarity: float, most: int) -> None:
        self._diarizer = diarizer
        self._new_voice_similarity = new_voice_similarity
        self._most = most
        self._voices: list[np.ndarray] = []  # each voice's embeddings summed, weighted by seconds
        self._last = 0
        self._heard = _Heard()

    def _similarities(self, embedding: np.ndarray) -> np.ndarray:
        """Cosine of a unit-length embedding to each heard voice."""
        centroids = np.stack(self._voices)
        return np.asarray(centroids @ embedding / np.linalg.norm(centroids, axis=1))

    def _match(self, embedding: np.ndarray, taken: set[int]) -> int:
        """The heard voice most like `embedding` and alike enough, not one of `taken`; else a new one."""
        if self._voices:
            similarity = self._similarities(embedding)
            for voice in np.argsort(-similarity):
                if similarity[voice] < self._new_voice_similarity:
                    break
                if int(voice) not in taken:
                    return int(voice)
        if len(self._voices) >= self._most:  # as many voices as allowed: the nearest one
            return int(np.argmax(np.stack(self._voices) @ embedding))
        self._voices.append(np.zeros_like(embedding))
        return len(self._voices) - 1

    def _nearer(self, embedding: np.ndarray, voice: int) -> int:
        """A piece keeps its local speaker's voice unless it is clearly nearer another heard voice: the
        segmentation can hear two alike voices as one local speaker."""
        similarity = self._similarities(embedding)
        best = int(np.argmax(similarity))
        return best if similarity[best] >= similarity[voice] + _CLEARLY_NEARER else voice

    def hear(self, audio: np.ndarray) -> HeardStretch:
        """What the models hear in a stretch: who speaks when locally, and the embedded pieces. It
        changes nothing, so a stretch may be heard ahead of being labelled."""
        local = self._diarizer.segmenter.run(audio)
        return HeardStretch(len(audio), local, self._diarizer.embed_pieces(audio, local))

    def label(self, heard: HeardStretch, offset_s: float, words: list[tuple[float, float]]) -> list[str]:
        """The speaker of each word (start and end in stream time) of the stretch `heard`, which
        starts at `offset_s` in the stream; the stream's voices learn from it."""
        local, pieces = heard.local, heard.pieces
        if not pieces.embeddings:  # too little speech to know a voice by: the last voice goes on
            return [speaker_name(self._last)] * len(words)
        tracks: dict[tuple[int, int], np.ndarray] = {}
        for owner, embedding, seconds in zip(pieces.owners, pieces.embeddings, pieces.seconds, strict=True):
            tracks[owner] = tracks.get(owner, np.zeros_like(embedding)) + embedding * seconds
        voice_of: dict[tuple[int, int], int] = {}
        taken: dict[int, set[int]] = {}  # two local speakers of one chunk are two voices
        for owner in sorted(tracks, key=lambda o: -float(np.linalg.norm(tracks[o]))):
            total = tracks[owner]
            voice = self._match(total / np.linalg.norm(total), taken.setdefault(owner[0], set()))
            taken[owner[0]].add(voice)
            self._voices[voice] += total
            voice_of[owner] = voice
        labels = np.asarray(
            [self._nearer(e, voice_of[o]) for e, o in zip(pieces.embeddings, pieces.owners, strict=True)]
        )
        self._heard.embeddings += pieces.embeddings
        self._heard.seconds += pieces.seconds
        self._heard.voices += labels.tolist()
        duration = heard.samples / SAMPLE_RATE
        timeline = self._diarizer.reconstruct(
            local, frame_voices(local, pieces, labels), len(self._voices), duration
        )
        self._heard.turns += [(t.start + offset_s, t.end + offset_s, t.speaker) for t in timeline.turns()]
        if not timeline.activity.any():
            return [speaker_name(self._last)] * len(words)
        spoken = [timeline.speaker_of(start - offset_s, end - offset_s) for start, end in words]
        self._last = spoken[-1] if spoken else self._last
        return [speaker_name(v) for v in spoken]

    def final_names(self) -> dict[str, str]:
        """Each live speaker's name in the final message: live voices that clustering of every piece
        puts together become one, named by the first of them."""
        if len(self._voices) < 2:  # nothing to merge
            return {}
        picked = spread_sample(len(self._heard.embeddings), self._diarizer.options.max_clustered)
        embeddings = np.stack(self._heard.embeddings)[picked]
        bounds = SpeakerBounds(1, len(self._voices))  # clustering may merge live voices, never split one
        voices, seconds = np.asarray(self._heard.voices)[picked], np.asarray(self._heard.seconds)[picked]
        clusters = cluster(embeddings, seconds, bounds, self._diarizer.options.voice_rule)
        weights = np.zeros((len(self._voices), int(clusters.max()) + 1))
        np.add.at(weights, (voices, clusters), seconds)
        merged_into: dict[int, int] = {}
        first_of_cluster: dict[int, int] = {}
        for voice in range(len(self._voices)):  # voices are numbered in order of appearance
            home = int(np.argmax(weights[voice])) if weights[voice].any() else -1 - voice
            merged_into[voice] = first_of_cluster.setdefault(home, voice)
        survivors = sorted(set(merged_into.values()))
        return {speaker_name(v): speaker_name(survivors.index(merged_into[v])) for v in merged_into}

    def turns(self, names: dict[str, str]) -> list[tuple[float, float, str]]:
        """Who spoke when over the whole stream, under the final names."""
        return [
            (start, end, names.get(speaker_name(v), speaker_name(v))) for start, end, v in self._heard.turns
        ]
