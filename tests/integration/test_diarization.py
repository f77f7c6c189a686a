"""Speaker diarization through the ASR service over gRPC, on conversations with an exact speaker
timeline (distinct voices made from the packaged Piper voice) and on real speech (the two-speaker
conversation that the pyannote.audio wheel ships)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate

from stt.v1 import asr_pb2
from tests.integration.test_asr_service import transcribe
from tests.support.platform import AsrProcess
from tests.support.voices import Conversation, conversation, speaker_turns
from tests.support.wer import word_error_rate

TWO = [
    ("A", "Good morning, did you read the report I sent last night?"),
    ("B", "Yes, I read it on the train, and I have a few questions."),
    ("A", "Of course, ask me anything you like about the numbers."),
    ("B", "Why did the costs in the second quarter go up so quickly?"),
    ("A", "We hired four new engineers and bought new servers in April."),
    ("B", "That makes sense, thank you for explaining it so clearly."),
]
THREE = [
    ("A", "Welcome everyone, let us start with the weekly update."),
    ("B", "The new website went live on Monday without any problems."),
    ("C", "Sales were a little lower than last week because of the holiday."),
    ("A", "Thank you both, what should we focus on next week then?"),
    ("B", "I would like to fix the slow search page before anything else."),
    ("C", "And I will call our three biggest customers on Tuesday morning."),
]


def _hypothesis(transcript: asr_pb2.Transcript) -> Annotation:
    """Speaker turns as an RTTM would list them: consecutive segments of one speaker joined across
    pauses under a second (the reference's turns run across such pauses too)."""
    hypothesis = Annotation()
    for start, end, speaker in speaker_turns(transcript):
        hypothesis[Segment(start, end)] = speaker
    return hypothesis


def _reference(talk: Conversation) -> Annotation:
    reference = Annotation()
    for start, end, voice in talk.turns:
        reference[Segment(start, end)] = voice
    return reference


def der(talk: Conversation, transcript: asr_pb2.Transcript) -> float:
    return float(DiarizationErrorRate(collar=0.25)(_reference(talk), _hypothesis(transcript)))


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory: pytest.TempPathFactory) -> Conversation:
    return conversation(TWO, tmp_path_factory.mktemp("two"))


@pytest.fixture(scope="module")
def three_voices(tmp_path_factory: pytest.TempPathFactory) -> Conversation:
    return conversation(THREE, tmp_path_factory.mktemp("three"))


@pytest.fixture(scope="module")
def one_voice(tmp_path_factory: pytest.TempPathFactory) -> Conversation:
    return conversation([("A", text) for _, text in TWO[:4]], tmp_path_factory.mktemp("one"))


@pytest.mark.parametrize("speakers", [0, 2])
async def test_two_speakers_are_found_and_every_word_labelled(
    asr: AsrProcess, two_voices: Conversation, speakers: int
) -> None:
    transcript = await transcribe(asr.address, two_voices.path, diarize=True, speakers=speakers)
    assert list(transcript.speakers) == ["Speaker 1", "Speaker 2"]
    assert transcript.segments[0].speaker == "Speaker 1"  # numbered in order of first appearance
    assert der(two_voices, transcript) < 0.10
    assert all(w.speaker == s.speaker for s in transcript.segments for w in s.words)
    assert word_error_rate(two_voices.text, transcript.text) < 0.15


async def test_three_speakers_given_and_found(asr: AsrProcess, three_voices: Conversation) -> None:
    given = await transcribe(asr.address, three_voices.path, diarize=True, speakers=3)
    assert list(given.speakers) == ["Speaker 1", "Speaker 2", "Speaker 3"]
    assert der(three_voices, given) < 0.10
    found = await transcribe(asr.address, three_voices.path, diarize=True, speakers=0)
    assert len(found.speakers) == 3
    assert der(three_voices, found) < 0.10


async def test_one_speaker_is_one_speaker(asr: AsrProcess, one_voice: Conversation) -> None:
    transcript = await transcribe(asr.address, one_voice.path, diarize=True, speakers=0)
    assert list(transcript.speakers) == ["Speaker 1"]
    assert {s.speaker for s in transcript.segments} == {"Speaker 1"}


async def test_a_segment_spanning_a_change_of_speaker_is_split_at_the_word(
    asr: AsrProcess, tmp_path: Path
) -> None:
    # No pause between the voices: Whisper hears one stretch of speech; the labels must still part it.
    talk = conversation(
        [("A", "I think we should leave now."), ("B", "No, let us wait a bit longer.")], tmp_path, 0.3
    )
    transcript = await transcribe(asr.address, talk.path, diarize=True, speakers=2)
    assert [s.speaker for s in transcript.segments] == ["Speaker 1", "Speaker 2"]
    first, second = transcript.segments
    assert "leave" in first.text.lower() and "wait" in second.text.lower()
    assert first.end <= second.start


async def test_without_diarization_no_labels_are_made(asr: AsrProcess, two_voices: Conversation) -> None:
    transcript = await transcribe(asr.address, two_voices.path, diarize=False)
    assert list(transcript.speakers) == []
    assert {s.speaker for s in transcript.segments} == {""}


def _pyannote_sample() -> Path:
    spec = importlib.util.find_spec("pyannote.audio")
    assert spec is not None and spec.submodule_search_locations, "make installs pyannote.audio for its sample"
    return Path(next(iter(spec.submodule_search_locations))) / "sample"


async def test_real_two_speaker_conversation_gets_two_speakers(asr: AsrProcess) -> None:
    """Real telephone speech of two women with short turns and overlaps (pyannote's sample)."""
    sample = _pyannote_sample()
    transcript = await transcribe(asr.address, sample / "sample.wav", diarize=True, speakers=2)
    assert list(transcript.speakers) == ["Speaker 1", "Speaker 2"]
    words = Counter(w.speaker for s in transcript.segments for w in s.words)
    assert min(words.values()) >= 10  # both voices carry a real share of the words


async def test_a_long_recording_clusters_a_sample_and_places_every_other_unit(
    asr: AsrProcess, two_voices: Conversation
) -> None:
    """Past `diarization_max_clustered_units`, the units clustered are a sample spread over the
    recording; the others join their nearest voice. Here the bound is 4 units."""
    from services.asr.diarization import Diarizer
    from services.asr.media import decode

    plain = await transcribe(asr.address, two_voices.path, diarize=False)
    words = [(w.start, w.end, w.word) for s in plain.segments for w in s.words]
    audio = decode(two_voices.path)
    settings = {"hop_s": 0.4, "same_voice_similarity": 0.75, "pause_s": 0.25, "max_speakers": 8}
    full, sampled = (
        Diarizer("cpu", **settings, max_clustered_units=bound).speakers_of(audio, words, 0)  # type: ignore[arg-type]
        for bound in (800, 4)
    )
    assert sorted(set(sampled)) == [0, 1]
    agreement = sum(a == b for a, b in zip(full, sampled, strict=True)) / len(words)
    assert agreement > 0.95
