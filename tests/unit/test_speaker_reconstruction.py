"""How the chunks' local speakers become the recording's timeline (`Diarizer.reconstruct`), on a
segmentation made by hand: two 10 s chunks 5 s apart, frames of 0.5 s."""

from __future__ import annotations

import numpy as np

from services.asr.diarization.pipeline import DiarizationOptions, Diarizer
from services.asr.diarization.segmentation import FrameGrid, LocalActivity

FRAMES_PER_CHUNK = 20


def two_chunks(active: np.ndarray) -> LocalActivity:
    return LocalActivity(
        chunk_s=10.0,
        chunk_starts=np.array([0.0, 5.0]),
        chunk_offsets=np.array([0, 10]),
        active=active,
        grid=FrameGrid(start=0.0, duration=0.5, step=0.5),
        total_frames=30,
    )


def test_a_frame_whose_nearest_chunk_has_no_voice_for_its_speaker_takes_the_other_chunks() -> None:
    """The second chunk hears speaker 0 over frames 10-29 but had no solo piece of it to embed; the
    first chunk heard (and named) the same speech over frames 0-19. Frames 15-19, nearer the second
    chunk's centre, keep the first chunk's voice instead of going silent."""
    active = np.zeros((2, FRAMES_PER_CHUNK, 3), dtype=bool)
    active[:, :, 0] = True
    voices = {(0, 0): np.zeros(FRAMES_PER_CHUNK, dtype=int)}
    timeline = Diarizer("cpu", DiarizationOptions()).reconstruct(two_chunks(active), voices, 1, 15.0)
    assert timeline.activity[:20, 0].all()
    assert not timeline.activity[20:, 0].any()  # there the second chunk alone speaks, of no known voice


def test_two_chunks_that_agree_give_one_turn_and_overlap_where_both_count_two() -> None:
    active = np.zeros((2, FRAMES_PER_CHUNK, 3), dtype=bool)
    active[0, :, 0] = active[1, :, 1] = True  # the same voice is local speaker 0, then local speaker 1
    active[0, 12:16, 2] = active[1, 2:6, 0] = True  # a second voice over frames 12-15 in both
    voices = {
        (0, 0): np.zeros(FRAMES_PER_CHUNK, dtype=int),
        (1, 1): np.zeros(FRAMES_PER_CHUNK, dtype=int),
        (0, 2): np.ones(FRAMES_PER_CHUNK, dtype=int),
        (1, 0): np.ones(FRAMES_PER_CHUNK, dtype=int),
    }
    timeline = Diarizer("cpu", DiarizationOptions()).reconstruct(two_chunks(active), voices, 2, 15.0)
    assert timeline.activity[:, 0].all()
    assert np.flatnonzero(timeline.activity[:, 1]).tolist() == [12, 13, 14, 15]
    assert [(t.start, t.end, t.speaker) for t in timeline.turns()] == [(0.0, 15.0, 0), (6.0, 8.0, 1)]


def test_frames_without_heard_speech_have_no_speaker_and_short_gaps_stay_bridged() -> None:
    """Both chunks hear one voice throughout, the VAD silence over frames 8-11 (2 s): there the
    timeline has no speaker, unless the speaker's pauses that short are bridged."""
    active = np.zeros((2, FRAMES_PER_CHUNK, 3), dtype=bool)
    active[0, :, 0] = active[1, :, 0] = True
    voices = {(0, 0): np.zeros(FRAMES_PER_CHUNK, dtype=int), (1, 0): np.zeros(FRAMES_PER_CHUNK, dtype=int)}
    heard = np.ones(30, dtype=bool)
    heard[8:12] = False
    diarizer = Diarizer("cpu", DiarizationOptions(bridge_s=0.0))
    timeline = diarizer.reconstruct(two_chunks(active), voices, 1, 15.0, heard)
    assert [(t.start, t.end) for t in timeline.turns()] == [(0.0, 4.0), (6.0, 15.0)]
    bridged = Diarizer("cpu", DiarizationOptions(bridge_s=2.0)).reconstruct(
        two_chunks(active), voices, 1, 15.0, heard
    )
    assert [(t.start, t.end) for t in bridged.turns()] == [(0.0, 15.0)]
