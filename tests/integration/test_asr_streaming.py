"""Live streams in the ASR service: over real gRPC (the events, their order, bad input), and in process
(one model for every stream, bounded audio, back-pressure)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import numpy as np
import pytest

from services.asr.decoding import DecodedStretch, DecodeJob
from services.asr.diarization.live import HeardStretch, StreamSpeakers
from services.asr.engine import AsrEngine
from services.asr.live_stream import LiveStream
from services.asr.settings import AsrSettings
from services.common.media import decode
from stt.v1 import asr_pb2, asr_pb2_grpc
from testbed.live_feed import ended, fed
from testbed.platform import AsrProcess
from testbed.streaming import BYTES_PER_SECOND, pcm16, pcm_of
from testbed.voices import Conversation, conversation
from testbed.wer import word_error_rate
from tests.conftest import Speech


async def _requests(
    config: asr_pb2.StreamConfig | None, *chunks: bytes
) -> AsyncIterator[asr_pb2.StreamRequest]:
    if config is not None:
        yield asr_pb2.StreamRequest(config=config)
    for chunk in chunks:
        yield asr_pb2.StreamRequest(audio=chunk)


async def _events(address: str, requests: AsyncIterator[asr_pb2.StreamRequest]) -> list[asr_pb2.StreamEvent]:
    async with grpc.aio.insecure_channel(address) as channel:
        return [event async for event in asr_pb2_grpc.AsrStub(channel).Stream(requests, timeout=120)]


async def test_a_stream_answers_ready_partials_segments_then_the_transcript(
    asr: AsrProcess, conversation: Speech
) -> None:
    pcm = pcm_of(conversation.path)
    chunks = [pcm[i : i + 8000] for i in range(0, len(pcm), 8000)]
    events = await _events(asr.address, _requests(asr_pb2.StreamConfig(model="base"), *chunks))

    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[0] == "ready" and kinds[-1] == "transcript"
    assert kinds.count("transcript") == 1 and "partial" in kinds and kinds.count("segment") >= 3
    transcript = events[-1].transcript
    assert transcript.language == "en"  # detected from the first speech
    assert transcript.model == "base"
    assert transcript.duration == pytest.approx(len(pcm) / BYTES_PER_SECOND)
    assert [s.text for s in transcript.segments] == [e.segment.text for e in events if e.HasField("segment")]
    assert word_error_rate(conversation.text, transcript.text) < 0.15


@pytest.mark.parametrize(
    ("config", "chunks", "message"),
    [
        (None, [b"\x00\x00"], "first message must carry the config"),
        (asr_pb2.StreamConfig(model="no-such-model"), [], "not installed"),
        (asr_pb2.StreamConfig(language="xx"), [], "unknown language"),
        (asr_pb2.StreamConfig(model="tiny.en", language="de"), [], "English-only"),
        (asr_pb2.StreamConfig(), [b"\x00\x00\x00"], "even number of bytes"),
    ],
)
async def test_bad_streams_are_invalid_arguments(
    asr: AsrProcess, config: asr_pb2.StreamConfig | None, chunks: list[bytes], message: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await _events(asr.address, _requests(config, *chunks))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in (error.value.details() or "")


@pytest.fixture(scope="module")
def engine(data_dir: Path) -> AsrEngine:
    settings = AsrSettings(data_dir=data_dir, preload=["base"], diarization=False, stream_max_backlog_s=5)
    engine = AsrEngine(settings)
    engine.load()
    return engine


def test_every_stream_uses_the_one_loaded_model(engine: AsrEngine) -> None:
    resolution, language = engine.resolve("large-v3-turbo", "en")
    streams = [LiveStream(engine, resolution, language) for _ in range(5)]
    assert len({id(s._model) for s in streams}) == 1
    assert streams[0]._model is engine.registry.get("base")


def test_a_stream_holds_only_its_current_stretch(engine: AsrEngine, long_speech: Speech) -> None:
    """However long the stream, the audio kept is the stretch being spoken; more than that plus the
    backlog stops the reader (back-pressure) until a step decodes it."""
    resolution, language = engine.resolve("base", "en")
    live = LiveStream(engine, resolution, language)
    pcm = pcm_of(long_speech.path)
    cancelled = threading.Event()
    held_s = []
    for offset in range(0, len(pcm), BYTES_PER_SECOND // 4):
        live.append(pcm[offset : offset + BYTES_PER_SECOND // 4])
        if live.backlogged:
            pytest.fail("a stream stepped every 0.25 s never needs to hold the reader back")
        result = live.step(False, cancelled)
        while result.more:
            result = live.step(False, cancelled)
        held_s.append(len(live._audio) / 16_000)
    assert max(held_s) <= engine.settings.stream_max_utterance_s + 0.5
    while (result := live.step(True, cancelled)).transcript is None:
        pass
    assert word_error_rate(long_speech.text, result.transcript.text) < 0.12

    unread = LiveStream(engine, resolution, language)
    unread.append(pcm[: int(21 * BYTES_PER_SECOND)])  # max utterance 15 s + backlog 5 s < 21 s
    assert unread.backlogged


def _lines_of(talk: Conversation, starts: list[float]) -> list[int]:
    """The line of the conversation each segment (by its start) belongs to."""
    return [next(i for i, t in enumerate(talk.turns) if t[0] - 0.3 <= start <= t[1]) for start in starts]


async def test_a_diarized_stream_of_two_voices_labels_each_segment_as_it_is_final(
    asr: AsrProcess, tmp_path: Path
) -> None:
    from tests.integration.test_diarization import TWO

    talk = conversation(TWO, tmp_path, pause_s=1.0)  # each line ends a stretch: a segment per voice turn
    pcm = pcm_of(talk.path)
    chunks = [pcm[i : i + 8000] for i in range(0, len(pcm), 8000)]
    config = asr_pb2.StreamConfig(model="base", language="en", diarize=True)
    events = await _events(asr.address, _requests(config, *chunks))

    live = [e.segment for e in events if e.HasField("segment")]
    assert {s.speaker for s in live} == {"Speaker 1", "Speaker 2"}
    assert all(w.speaker == s.speaker for s in live for w in s.words)
    # The voices alternate A, B, A, ...: each live segment's speaker follows the line it belongs to.
    line_of = _lines_of(talk, [s.start for s in live])
    voice = {"A": "Speaker 1", "B": "Speaker 2"}
    assert [s.speaker for s in live] == [voice[talk.turns[i][2]] for i in line_of]
    transcript = events[-1].transcript
    assert list(transcript.speakers) == ["Speaker 1", "Speaker 2"]
    assert [s.speaker for s in transcript.segments] == [s.speaker for s in live]
    assert {t.speaker for t in transcript.speaker_turns} == {"Speaker 1", "Speaker 2"}


async def test_an_undiarized_stream_has_no_speakers(asr: AsrProcess, speech: dict[str, Speech]) -> None:
    pcm = pcm_of(speech["weather"].path)
    events = await _events(asr.address, _requests(asr_pb2.StreamConfig(model="base"), pcm))
    transcript = events[-1].transcript
    assert list(transcript.speakers) == [] and list(transcript.speaker_turns) == []
    assert {s.speaker for s in transcript.segments} == {""}


def _pcm(*parts: Speech | float) -> bytes:
    """Clips and seconds of silence in a row, as 16-bit PCM."""
    pieces = [
        decode(p.path) if isinstance(p, Speech) else np.zeros(int(p * 16_000), np.float32) for p in parts
    ]
    return pcm16(np.concatenate(pieces))


@pytest.fixture
def decoded(engine: AsrEngine, monkeypatch: pytest.MonkeyPatch) -> list[DecodedStretch]:
    """Every stretch the stream's decoder decodes (the real decoder runs)."""
    stretches: list[DecodedStretch] = []
    run = engine.decoder.decode

    def recording(job: DecodeJob, audio: np.ndarray, offset_s: float, cursor: float) -> DecodedStretch:
        stretches.append(run(job, audio, offset_s, cursor))
        return stretches[-1]

    monkeypatch.setattr(engine.decoder, "decode", recording)
    return stretches


def test_a_stretch_is_decoded_while_its_pause_begins_and_finalized_from_that(
    engine: AsrEngine, speech: dict[str, Speech], decoded: list[DecodedStretch]
) -> None:
    """0.4 s of silence after the words, short of the 0.6 s pause that ends a stretch: the stretch is
    decoded then, its words sent as the interim, and the stream ending there is answered from that
    decode without decoding again."""
    live = LiveStream(engine, *engine.resolve("base", "en"))
    results = fed(live, _pcm(speech["meeting"], 0.4))
    assert len(decoded) == 1
    _, final = ended(live)
    assert len(decoded) == 1
    interims = [r.interim.text for r in results if r.interim is not None]
    assert interims[-1] == final.text
    assert word_error_rate(speech["meeting"].text, final.text) < 0.1


def test_speech_after_a_short_pause_is_decoded_again_with_the_stretch_before_it(
    engine: AsrEngine, speech: dict[str, Speech], decoded: list[DecodedStretch]
) -> None:
    """Speech that resumes after 0.35 s belongs to the same stretch: what was decoded ahead is dropped
    and the final is the whole stretch, decoded once more."""
    live = LiveStream(engine, *engine.resolve("base", "en"))
    fed(live, _pcm(speech["meeting"], 0.35, speech["garden"]))
    assert len(decoded) == 1  # the first sentence, while the pause began
    _, final = ended(live)
    assert len(decoded) == 2
    assert [s.text for s in decoded[1].segments] == [s.text for s in final.segments]
    both = f"{speech['meeting'].text} {speech['garden'].text}"
    assert word_error_rate(both, final.text) < 0.1


def test_a_stretch_is_decoded_from_the_margin_a_file_gets_and_its_words_start_near_the_speech(
    engine: AsrEngine, speech: dict[str, Speech], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audio decoded for a stretch begins 0.4 s before the VAD hears speech, as a file's speech
    does (a soft first sound comes before the onset), yet no word is placed more than 0.26 s before
    the onset, in that margin's silence."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    offsets: list[float] = []
    run = engine.decoder.decode

    def recording(job: DecodeJob, audio: np.ndarray, offset_s: float, cursor: float) -> DecodedStretch:
        offsets.append(offset_s)
        return run(job, audio, offset_s, cursor)

    monkeypatch.setattr(engine.decoder, "decode", recording)
    clip = decode(speech["meeting"].path)
    found = get_speech_timestamps(clip, VadOptions(speech_pad_ms=0, min_silence_duration_ms=100))
    onset = 1.0 + found[0]["start"] / 16_000
    live = LiveStream(engine, *engine.resolve("base", "en"))
    fed(live, _pcm(1.0, speech["meeting"], 1.0))
    _, final = ended(live)
    frame = 0.032
    assert offsets and all(onset - 0.42 - frame <= offset <= onset - 0.42 + frame for offset in offsets)
    words = [w for s in final.segments for w in s.words]
    assert words[0].start >= onset - 0.26 - frame
    assert word_error_rate(speech["meeting"].text, final.text) < 0.1


def test_a_diarized_stretch_is_heard_ahead_once_and_labelled_when_final(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The speaker models hear each stretch while its pause begins, once; the labels come when the
    pause ends it, and each line gets its own voice."""
    from tests.integration.test_diarization import TWO

    heard: list[HeardStretch] = []
    hear = StreamSpeakers.hear

    def recording(self: StreamSpeakers, audio: np.ndarray) -> HeardStretch:
        heard.append(hear(self, audio))
        return heard[-1]

    monkeypatch.setattr(StreamSpeakers, "hear", recording)
    engine = AsrEngine(AsrSettings(data_dir=data_dir, preload=["base"]))
    engine.load()
    talk = conversation(TWO[:2], tmp_path, pause_s=1.0)
    live = LiveStream(engine, *engine.resolve("base", "en"), diarize=True)
    fed(live, pcm_of(talk.path))
    _, final = ended(live)
    assert len(heard) == 2
    voice = {"A": "Speaker 1", "B": "Speaker 2"}
    line_of = _lines_of(talk, [s.start for s in final.segments])
    assert [s.speaker for s in final.segments] == [voice[talk.turns[i][2]] for i in line_of]
    assert set(line_of) == {0, 1}


def test_stretches_a_short_pause_apart_are_decoded_again_as_one_for_the_final(
    engine: AsrEngine, speech: dict[str, Speech], decoded: list[DecodedStretch]
) -> None:
    """Two sentences 0.8 s apart are two stretches, each decoded and sent alone; 3.5 s of silence after
    them closes their group, which is decoded again as one while the stream goes on: the final
    message carries that second pass, the `text` messages the first."""
    live = LiveStream(engine, *engine.resolve("base", "en"))
    results = fed(live, _pcm(speech["meeting"], 0.8, speech["garden"], 3.5))
    sent = [s.text for r in results for s in r.segments]
    assert len(decoded) == 3
    first_pass = [s.text for d in decoded[:2] for s in d.segments]
    assert sent == first_pass
    second_pass = decoded[2].segments
    assert second_pass[0].start < decoded[0].segments[-1].end < decoded[1].segments[0].start
    _, final = ended(live)
    assert len(decoded) == 3  # nothing is left for the end
    assert [s.text for s in final.segments] == [s.text for s in second_pass]
    assert [s.id for s in final.segments] == list(range(len(final.segments)))
    both = f"{speech['meeting'].text} {speech['garden'].text}"
    assert word_error_rate(both, final.text) < 0.1


@pytest.fixture(params=[0.0, 30.0])
def within_s(engine: AsrEngine, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> float:
    """`stream_end_revision_within_s`: never in time, or always (the decodes here take a few seconds)."""
    monkeypatch.setattr(engine.settings, "stream_end_revision_within_s", request.param)
    return float(request.param)


def test_a_stream_ending_in_a_group_decodes_its_last_stretch_with_the_group_once_if_in_time(
    engine: AsrEngine, speech: dict[str, Speech], decoded: list[DecodedStretch], within_s: float
) -> None:
    """The stream ends in the second of two stretches 0.8 s apart. Where the group's decode is expected
    to end within `stream_end_revision_within_s` of the end, the last stretch is decoded once, with
    the stretch before it: its segments are that decode's words from its onset on, and the final
    message carries the whole decode. Otherwise the last stretch is decoded alone and the group keeps
    its first pass: the final is not delayed."""
    live = LiveStream(engine, *engine.resolve("base", "en"))
    fed(live, _pcm(speech["meeting"], 0.8, speech["garden"]))
    assert len(decoded) == 1  # the first stretch; the second is not over when the stream ends
    ends, final = ended(live)
    sent = [s for r in ends for s in r.segments]
    assert len(decoded) == 2
    last = decoded[1].segments
    if within_s:
        assert last[0].start < decoded[0].segments[-1].end  # both stretches, decoded as one
        assert [s.text for s in final.segments] == [s.text for s in last]
        garden_onset = sent[0].words[0].start
        assert garden_onset > decoded[0].segments[-1].end
        assert [w.word for s in sent for w in s.words] == [
            w.word for s in last for w in s.words if w.start >= garden_onset
        ]
    else:
        assert last[0].start > decoded[0].segments[-1].end  # the last stretch alone
        assert [s.text for s in sent] == [s.text for s in last]
        assert [s.text for s in final.segments] == [s.text for d in decoded for s in d.segments]
    assert word_error_rate(speech["garden"].text, " ".join(s.text for s in sent)) < 0.15
    assert word_error_rate(f"{speech['meeting'].text} {speech['garden'].text}", final.text) < 0.1


def test_a_group_whose_stretches_are_all_final_when_the_stream_ends_is_decoded_again_if_in_time(
    engine: AsrEngine, speech: dict[str, Speech], decoded: list[DecodedStretch], within_s: float
) -> None:
    """The stream ends 1 s after its second stretch, a pause that ended the stretch but not the
    group: the group is decoded again before the final message only where that is expected in time."""
    live = LiveStream(engine, *engine.resolve("base", "en"))
    fed(live, _pcm(speech["meeting"], 0.8, speech["garden"], 1.0))
    assert len(decoded) == 2
    _, final = ended(live)
    assert len(decoded) == (3 if within_s else 2)
    passes = [decoded[2]] if within_s else decoded
    assert [s.text for s in final.segments] == [s.text for d in passes for s in d.segments]
    assert word_error_rate(f"{speech['meeting'].text} {speech['garden'].text}", final.text) < 0.1


def test_a_stream_without_the_second_pass_decodes_each_stretch_once(
    engine: AsrEngine,
    speech: dict[str, Speech],
    decoded: list[DecodedStretch],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine.settings, "stream_revision_max_s", 0.0)
    live = LiveStream(engine, *engine.resolve("base", "en"))
    fed(live, _pcm(speech["meeting"], 0.8, speech["garden"], 2.0))
    _, final = ended(live)
    assert len(decoded) == 2
    assert [s.text for s in final.segments] == [s.text for d in decoded for s in d.segments]


@pytest.mark.parametrize("after_s", [3.5, 0.0])
def test_the_second_pass_of_two_voices_keeps_each_line_with_its_speaker(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after_s: float
) -> None:
    """Two lines of two voices 1 s apart are one group: decoded again once the 3.5 s after them close it,
    or with the second line where the stream ends in it; the final message's words still carry the
    voice of the line they lie in."""
    from tests.integration.test_diarization import TWO

    settings = AsrSettings(data_dir=data_dir, preload=["base"], stream_end_revision_within_s=30.0)
    engine = AsrEngine(settings)
    engine.load()
    audio_s: list[float] = []
    run = engine.decoder.decode

    def recording(job: DecodeJob, audio: np.ndarray, offset_s: float, cursor: float) -> DecodedStretch:
        audio_s.append(len(audio) / 16_000)
        return run(job, audio, offset_s, cursor)

    monkeypatch.setattr(engine.decoder, "decode", recording)
    talk = conversation(TWO[:2], tmp_path, pause_s=1.0)
    live = LiveStream(engine, *engine.resolve("base", "en"), diarize=True)
    spoken = pcm_of(talk.path)[: 2 * round(talk.turns[-1][1] * 16_000)]  # up to the last word's end
    fed(live, spoken + bytes(int(after_s * BYTES_PER_SECOND)))
    _, final = ended(live)
    assert len(audio_s) == (3 if after_s else 2)
    assert audio_s[-1] > audio_s[0] + 1.0  # the first line, the pause and the second line
    voice = {"A": "Speaker 1", "B": "Speaker 2"}
    words = [w for s in final.segments for w in s.words]
    lines = _lines_of(talk, [w.start for w in words])
    assert set(lines) == {0, 1}
    assert [w.speaker for w in words] == [voice[talk.turns[i][2]] for i in lines]
    assert all(w.speaker == s.speaker for s in final.segments for w in s.words)
    assert word_error_rate(" ".join(line for _, line in TWO[:2]), final.text) < 0.15
