"""One live stream: audio arrives in pieces, Silero VAD marks speech frame by frame, interim text is
decoded cheaply while someone speaks, and each stretch of speech is finalized with the file decoder
once a pause ends it.

Only the audio since the last finalized stretch is kept, so every step costs the same at minute 30
as at second 3. Each call to `step` does at most one decode: the servicer queues steps of all streams
on shared workers, so no stream waits on another's whole backlog.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.vad import get_vad_model

from services.asr.decoding import DecodedStretch, DecodeJob
from services.asr.diarization.live import HeardStretch, StreamSpeakers
from services.asr.diarization.timeline import speaker_name
from services.asr.engine import AsrEngine
from services.asr.fitted_window import MIN_WINDOW_S, fitted_seconds
from services.asr.registry import Resolution
from services.asr.results import SegmentResult, SpeakerTurnResult, TranscriptResult
from services.asr.speaker_labels import split_at_speaker_changes
from services.asr.stream_revision import StretchGroup, StretchGroups, revised, words_from
from services.common.media import SAMPLE_RATE

FRAME = 512  # samples per Silero VAD frame (32 ms)
_PAD_FRAMES = 13
"""Audio (0.42 s) decoded before the first frame the VAD calls speech: soft onsets ("wh", "h", "th")
come before it. A file's speech gets the same margin from faster-whisper's VAD (400 ms); with 0.26 s
the LibriSpeech clips streamed lost first words that files kept."""
_LEAD_S = 0.26
"""No word of a stretch starts more than this before the VAD's onset: Whisper puts the first word's
start near the start of the audio it is given, inside that margin of silence."""
_AHEAD_MIN_FRAMES = 63
"""A stretch shorter than this (2 s) is not decoded ahead of its pause: its final decode is quick
anyway, and a fragment cut at a short pause is where Whisper loops through all its retries."""
_PAUSING_FRAMES = 4
"""Silence (0.13 s) after which no interim is started: the speech may be ending, and the worker is kept
for decoding the stretch ahead of its pause."""


@dataclass
class Interim:
    text: str
    start: float


@dataclass(frozen=True)
class _ReadyStretch:
    """A stretch decoded (and heard) while its pause was still too short to end it: if the pause goes
    on, or the stream ends, it is finalized from this without decoding again."""

    first: int
    last: int
    """Its first and last sample in the stream."""
    earliest: float
    """Where its words could start: after the words before it, and near its onset."""
    speech: tuple[int, int]
    """Where the VAD hears its speech begin and end, in stream samples."""
    decoded: DecodedStretch
    heard: HeardStretch | None


@dataclass
class StepResult:
    interim: Interim | None = None
    segments: list[SegmentResult] = field(default_factory=list)
    transcript: TranscriptResult | None = None
    more: bool = False
    """Another step has work without new audio (a second finished stretch of speech is waiting)."""


def interim_text(model: WhisperModel, audio: np.ndarray, language: str | None) -> str:
    """A quick guess at the words so far: greedy, no timestamps, the encoder run on the audio padded to
    `MIN_WINDOW_S` instead of Whisper's 30 s (a third of the cost on a short stretch). Finals are
    decoded the proper way; this text is replaced by them."""
    seconds = max(MIN_WINDOW_S, math.ceil(len(audio) / SAMPLE_RATE))
    padded = np.pad(audio, (0, seconds * SAMPLE_RATE - len(audio)))
    features = model.feature_extractor(padded)[:, : seconds * 100]
    encoded = model.encode(features)
    if language is None and model.model.is_multilingual:
        language = model.model.detect_language(encoded)[0][0][0][2:-2]  # "<|en|>" -> "en"
    multilingual = model.model.is_multilingual
    tokenizer = Tokenizer(model.hf_tokenizer, multilingual, task="transcribe", language=language)
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    # About 3 tokens a second is normal speech; the cap stops a loop from running on.
    max_tokens = int(len(audio) / SAMPLE_RATE * 6) + 8
    result = model.model.generate(encoded, [prompt], beam_size=1, max_length=len(prompt) + max_tokens)
    return str(tokenizer.decode(result[0].sequences_ids[0])).strip()


class LiveStream:
    def __init__(
        self, engine: AsrEngine, resolution: Resolution, language: str | None, diarize: bool = False
    ) -> None:
        settings = engine.settings
        self._engine = engine
        self._model = engine.registry.get(resolution.weights_id)
        self._resolution = resolution
        self._vad = get_vad_model()
        self._threshold = settings.stream_speech_threshold
        self._pause_frames = max(1, round(settings.stream_pause_s * SAMPLE_RATE / FRAME))
        self._max_frames = round(settings.stream_max_utterance_s * SAMPLE_RATE / FRAME)
        self._interim_every = int(settings.stream_partial_interval_s * SAMPLE_RATE)
        self._max_held_s = settings.stream_max_utterance_s + settings.stream_max_backlog_s
        self._language = language
        self._language_probability = 1.0

        self._lock = threading.Lock()  # `append` runs on the event loop, `step` on a worker
        self._incoming: list[np.ndarray] = []
        self._received = 0
        self._taken = 0  # samples received when the last step took in the audio

        self._audio = np.zeros(0, dtype=np.float32)  # the audio since the last finalized stretch
        self._offset = 0  # stream sample of `_audio[0]`, always a whole number of frames
        self._probabilities = np.zeros(0, dtype=np.float32)  # speech probability per frame of `_audio`
        self._interim_at: int | None = None  # samples of `_audio` at this stretch's last interim decode
        self._interim = ""
        self._ready: _ReadyStretch | None = None
        self._segments: list[SegmentResult] = []
        self._sent = 0  # segments sent as they were finalized: the next one's id
        self._cursor = 0.0
        self._busy_s = 0.0
        self._end_revision_within_s = settings.stream_end_revision_within_s
        self._ended_at: float | None = None
        self._decode_rate: float | None = None
        """Seconds this stream's decodes took per second of the encoder's window (a running mean)."""
        self._groups = (
            StretchGroups(
                round(settings.stream_revision_pause_s * SAMPLE_RATE),
                round(settings.stream_revision_max_s * SAMPLE_RATE),
            )
            if settings.stream_revision_max_s > 0
            else None
        )
        self._speakers = (
            StreamSpeakers(
                engine.diarizer, settings.stream_new_voice_similarity, settings.diarization_max_speakers
            )
            if diarize
            else None
        )

    @property
    def model(self) -> str:
        return self._resolution.weights_id

    def append(self, pcm: bytes) -> None:
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        with self._lock:
            self._incoming.append(samples)
            self._received += len(samples)

    @property
    def backlogged(self) -> bool:
        """More audio is held than the current stretch plus the allowed backlog: stop reading."""
        with self._lock:
            return (self._received - self._offset) / SAMPLE_RATE > self._max_held_s

    def new_audio_s(self) -> float:
        """Audio that arrived since the last step took audio in."""
        with self._lock:
            return (self._received - self._taken) / SAMPLE_RATE

    def step(self, ended: bool, cancelled: threading.Event) -> StepResult:
        """Takes in the audio that arrived, then does at most one decode: a finished stretch of speech,
        a stretch cut at the longest allowed length, the rest of the audio when the stream `ended`, or
        else an interim text of the speech in progress."""
        started = time.perf_counter()
        if ended and self._ended_at is None:
            self._ended_at = started
        try:
            return self._step(ended, cancelled)
        finally:
            self._busy_s += time.perf_counter() - started

    def _step(self, ended: bool, cancelled: threading.Event) -> StepResult:
        self._take_in(ended)
        speech = np.flatnonzero(self._probabilities >= self._threshold)
        frames = len(self._probabilities)
        if self._groups is not None:
            self._groups.silence_until(self._offset + int(speech[0] if len(speech) else frames) * FRAME)
        if len(speech) == 0:
            if ended:
                return self._end_step(cancelled)
            self._commit(max(0, frames - _PAD_FRAMES))  # silence: keep only a lead-in for the next words
            self._interim_at = None
            return self._revise_waiting(cancelled)
        first = speech[0]
        start = max(0, first - _PAD_FRAMES)
        # Once speech has begun, only frames clearly below the threshold are silence (Silero's own
        # hysteresis), so a dip inside a word does not end the stretch.
        voiced = first + np.flatnonzero(self._probabilities[first:] >= self._threshold - 0.15)
        pauses = np.flatnonzero(np.diff(voiced) > self._pause_frames)
        if len(pauses):  # speech, a pause, more speech: the first stretch is finished
            end = voiced[pauses[0]] + 1
            return self._finalize(start, end + self._pause_frames // 2, cancelled, more=True)
        end = voiced[-1] + 1 + self._pause_frames // 2  # where a pause here ends the stretch
        if frames - voiced[-1] - 1 >= self._pause_frames:  # speech followed by a pause
            return self._finalize(start, end, cancelled)
        if frames - first >= self._max_frames:  # too long without a pause: cut at its quietest moment
            return self._finalize(start, self._quietest_frame(first), cancelled, more=True)
        if ended:  # trailing silence is cut as a pause would cut it; the next step ends the stream
            return self._finalize(start, min(end, frames), cancelled, more=True, last=True)
        if self._groups is not None and self._groups.waiting:
            return self._revise_waiting(cancelled)
        if frames >= end and end - start >= _AHEAD_MIN_FRAMES:  # all a pause would finalize is here
            return self._ready_step(start, end, cancelled)
        if frames - voiced[-1] - 1 >= _PAUSING_FRAMES:
            return StepResult()
        return self._interim_step(start)

    def _take_in(self, ended: bool) -> None:
        with self._lock:
            incoming, self._incoming = self._incoming, []
            self._taken = self._received
        if incoming:
            self._audio = np.concatenate([self._audio, *incoming])
        done = len(self._probabilities)
        complete = len(self._audio) // FRAME
        if ended and len(self._audio) % FRAME:  # the last part-frame is padded with silence
            complete += 1
            self._audio = np.pad(self._audio, (0, FRAME - len(self._audio) % FRAME))
        if complete > done:
            # One frame before the new ones gives the model its context; its probability is dropped.
            context = 1 if done else 0
            frames = self._audio[(done - context) * FRAME : complete * FRAME]
            new = self._vad(frames).reshape(-1)[context:]
            self._probabilities = np.concatenate([self._probabilities, new.astype(np.float32)])

    def _quietest_frame(self, first: int) -> int:
        """The least speech-like moment in the second half of a long stretch (smoothed over 160 ms)."""
        frames = len(self._probabilities)
        window = self._probabilities[first + (frames - first) // 2 : frames]
        smoothed = np.convolve(window, np.ones(5) / 5, mode="same")
        return first + (frames - first) // 2 + int(np.argmin(smoothed))

    def _finalize(
        self, start: int, end: int, cancelled: threading.Event, more: bool = False, last: bool = False
    ) -> StepResult:
        """Sends the stretch from frame `start` to `end` as segments; `last`: the stream has ended in it."""
        end = min(end, len(self._probabilities))
        ready = self._ready_for(start, end)
        if ready is None and last:
            ready = self._decoded_with_group(start, end, cancelled)
        if ready is None:
            ready = self._decoded(start, end, cancelled)
        segments = ready.decoded.segments
        if segments:
            self._cursor = ready.decoded.cursor
            if self._language is None:  # the first speech decides the stream's language
                self._language = ready.decoded.language
                self._language_probability = ready.decoded.language_probability
            if ready.heard is not None:
                segments = self._label_speakers(ready.heard, ready.first / SAMPLE_RATE, segments)
        if self._groups is not None:
            self._groups.finalized((ready.first, ready.last), ready.speech, segments, ready.earliest)
        for segment in segments:
            segment.id = self._sent
            self._sent += 1
            self._segments.append(segment)
        self._commit(end)
        self._interim, self._interim_at, self._ready = "", None, None
        return StepResult(segments=segments, more=more)

    def _decoded(self, start: int, end: int, cancelled: threading.Event) -> _ReadyStretch:
        """The stretch's words, and what the speaker models hear in it: nothing of the stream changes
        until it is finalized."""
        audio, first, speech, earliest = self._stretch(start, end)
        decoded = self._decode(audio, first / SAMPLE_RATE, earliest, cancelled)
        heard = self._speakers.hear(audio) if self._speakers is not None and decoded.segments else None
        return _ReadyStretch(first, first + len(audio), earliest, speech, decoded, heard)

    def _decoded_with_group(self, start: int, end: int, cancelled: threading.Event) -> _ReadyStretch | None:
        """The stream's last stretch decoded once together with the open group it joins, where that is
        expected to end in time: the words in the stretch are its first pass, the whole the group's
        second. None where it does not apply: the stretch is then decoded alone."""
        group = self._groups.open if self._groups is not None else None
        audio, first, speech, earliest = self._stretch(start, end)
        last = first + len(audio)
        if (
            self._groups is None
            or group is None
            or group.end != self._offset  # the group's audio reaches the stretch without a gap
            or not self._groups.joins(last, speech[0])
            or not self._in_time(last - group.first)
        ):
            return None
        together = np.concatenate([*group.chunks, self._audio[: end * FRAME]])
        decoded = self._decode(together, group.first / SAMPLE_RATE, group.cursor, cancelled)
        group.revision = decoded.segments
        own = words_from(decoded.segments, earliest)
        heard = self._speakers.hear(audio) if self._speakers is not None and own else None
        stretch = DecodedStretch(own, decoded.cursor, decoded.language, decoded.language_probability)
        return _ReadyStretch(first, last, earliest, speech, stretch, heard)

    def _stretch(self, start: int, end: int) -> tuple[np.ndarray, int, tuple[int, int], float]:
        """The audio from frame `start` to `end`, its first stream sample, where the VAD hears its
        speech begin and end (stream samples), and where its words could start."""
        audio = self._audio[start * FRAME : end * FRAME]
        first = self._offset + start * FRAME
        probabilities = self._probabilities[start:end]
        onset = start + int(np.argmax(probabilities >= self._threshold))
        voiced_end = start + int(np.flatnonzero(probabilities >= self._threshold - 0.15)[-1]) + 1
        speech = (self._offset + onset * FRAME, self._offset + voiced_end * FRAME)
        return audio, first, speech, max(self._cursor, speech[0] / SAMPLE_RATE - _LEAD_S)

    def _decode(
        self, audio: np.ndarray, offset_s: float, cursor: float, cancelled: threading.Event
    ) -> DecodedStretch:
        """Decodes as a file's window is decoded, and keeps how fast that went."""
        with self._lock:
            received_s = self._received / SAMPLE_RATE
        job = DecodeJob(self._model, self._language, received_s, cancelled)
        started = time.perf_counter()
        decoded = self._engine.decoder.decode(job, audio, offset_s, cursor)
        rate = (time.perf_counter() - started) / self._window_s(len(audio))
        self._decode_rate = rate if self._decode_rate is None else (self._decode_rate + rate) / 2
        return decoded

    def _window_s(self, samples: int) -> int:
        """The encoder's window for decoding `samples` of audio: decode time grows with it."""
        if self._engine.settings.fitted_window:
            return fitted_seconds(samples / SAMPLE_RATE)
        return int(self._model.feature_extractor.chunk_length)

    def _in_time(self, samples: int) -> bool:
        """Whether decoding `samples` of audio now is expected to end within
        `stream_end_revision_within_s` of the stream's end, at the speed of its decodes so far."""
        if self._ended_at is None or self._decode_rate is None:
            return False
        expected = self._decode_rate * self._window_s(samples)
        return time.perf_counter() - self._ended_at + expected <= self._end_revision_within_s

    def _revise_waiting(self, cancelled: threading.Event) -> StepResult:
        """The second pass over the first group waiting for one, if any."""
        if self._groups is None or not self._groups.waiting:
            return StepResult()
        self._revise(self._groups.waiting.pop(0), cancelled)
        return StepResult(more=bool(self._groups.waiting))

    def _end_step(self, cancelled: threading.Event) -> StepResult:
        """Every stretch of the ended stream is finalized: the second pass of the groups still waiting
        and of the last one where it is short enough, one a step; then the final transcript."""
        if self._groups is not None:
            last = self._groups.open
            self._groups.close()
            while self._groups.waiting:
                group = self._groups.waiting.pop(0)
                if group is not last or group.revision is not None or self._in_time(group.last - group.first):
                    self._revise(group, cancelled)
                    return StepResult(more=True)
        return StepResult(transcript=self._transcript())

    def _revise(self, group: StretchGroup, cancelled: threading.Event) -> None:
        """Decodes the group's audio as one (unless it was at the stream's end) and, where the decoder
        heard its speech, puts its words in place of the group's first pass in the final transcript."""
        revision = group.revision
        if revision is None:
            revision = self._decode(group.audio, group.first / SAMPLE_RATE, group.cursor, cancelled).segments
        at = next(i for i, s in enumerate(self._segments) if s is group.segments[0])
        before = self._segments[at - 1].speaker if at else speaker_name(0)
        segments = revised(group.segments, revision, self._speakers is not None, before)
        if segments is not None:
            self._segments[at : at + len(group.segments)] = segments

    def _ready_step(self, start: int, end: int, cancelled: threading.Event) -> StepResult:
        """Decodes the stretch ahead of its pause, once; its words are the interim text meanwhile."""
        if self._ready_for(start, end) is not None:
            return StepResult()
        self._ready = self._decoded(start, end, cancelled)
        self._interim_at = len(self._audio)
        text = " ".join(s.text for s in self._ready.decoded.segments)
        if not text or text == self._interim:
            return StepResult()
        self._interim = text
        return StepResult(interim=Interim(text, self._ready.first / SAMPLE_RATE))

    def _ready_for(self, start: int, end: int) -> _ReadyStretch | None:
        """The stretch decoded ahead, if it is the one from frame `start` to `end`."""
        ready, first = self._ready, self._offset + start * FRAME
        if ready is None or (ready.first, ready.last) != (first, first + (end - start) * FRAME):
            return None
        return ready

    def _label_speakers(
        self, heard: HeardStretch, offset_s: float, segments: list[SegmentResult]
    ) -> list[SegmentResult]:
        assert self._speakers is not None
        words = [w for s in segments for w in s.words]
        names = self._speakers.label(heard, offset_s, [(w.start, w.end) for w in words])
        for word, name in zip(words, names, strict=True):
            word.speaker = name
        before = self._segments[-1].speaker if self._segments else speaker_name(0)
        return split_at_speaker_changes(segments, before)

    def _interim_step(self, start: int) -> StepResult:
        """The first interim text of a stretch comes as soon as speech is heard, the next ones once
        `stream_partial_interval_s` more audio has arrived."""
        if self._interim_at is not None and len(self._audio) - self._interim_at < self._interim_every:
            return StepResult()
        self._interim_at = len(self._audio)
        text = interim_text(self._model, self._audio[start * FRAME :], self._language)
        if text == self._interim:
            return StepResult()
        self._interim = text
        return StepResult(interim=Interim(text, (self._offset + start * FRAME) / SAMPLE_RATE))

    def _commit(self, frames: int) -> None:
        """Forgets the first `frames` frames: they are finalized or silence."""
        if frames <= 0:
            return
        if self._groups is not None:
            self._groups.committed(self._audio[: frames * FRAME], self._offset)
        self._audio = self._audio[frames * FRAME :]
        self._probabilities = self._probabilities[frames:]
        self._offset += frames * FRAME
        if self._interim_at is not None:
            self._interim_at = max(0, self._interim_at - frames * FRAME)

    def _final_speakers(self) -> tuple[list[str], list[SpeakerTurnResult]]:
        """Renames every label to its final name (live voices found to be one are merged) and answers
        the speakers in order of appearance and the stream's speaker timeline."""
        if self._speakers is None:
            return [], []
        names = self._speakers.final_names()
        for segment in self._segments:
            segment.speaker = names.get(segment.speaker, segment.speaker)
            for word in segment.words:
                word.speaker = names.get(word.speaker, word.speaker)
        turns = [SpeakerTurnResult(round(a, 3), round(b, 3), n) for a, b, n in self._speakers.turns(names)]
        speakers = list(dict.fromkeys([*(s.speaker for s in self._segments), *(t.speaker for t in turns)]))
        return speakers, turns

    def _transcript(self) -> TranscriptResult:
        with self._lock:
            received = self._received
        speakers, turns = self._final_speakers()
        for index, segment in enumerate(self._segments):
            segment.id = index
        return TranscriptResult(
            text=" ".join(s.text for s in self._segments),
            language=self._language or "",
            language_probability=self._language_probability if self._segments else 1.0,
            duration=received / SAMPLE_RATE,
            segments=self._segments,
            model=self._resolution.weights_id,
            requested_model=self._resolution.requested,
            processing_seconds=self._busy_s,
            speakers=speakers,
            speaker_turns=turns,
        )
