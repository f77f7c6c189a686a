"""Every accepted format is read by content, at any sample rate and channel count, video included;
anything else is refused with a message that says what is wrong."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from gateway.media_probe import probe_duration
from services.common.media import SAMPLE_RATE, MediaError, decode, decode_to_disk, mean_square
from testbed.media import ENCODINGS, encode, read_wav
from tests.conftest import Speech


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_every_accepted_format_decodes_to_16k_mono(
    name: str, speech: dict[str, Speech], tmp_path: Path
) -> None:
    clip = speech["weather"]
    samples, rate = read_wav(clip.path)
    # A misleading name on purpose: the format is judged by content.
    path = encode(samples, rate, ENCODINGS[name], tmp_path / "upload.bin")
    audio = decode(path)
    assert audio.ndim == 1
    assert abs(len(audio) / SAMPLE_RATE - clip.duration) < 0.15
    # The service decodes onto disk instead (an hour must not sit in memory): the same samples.
    on_disk = decode_to_disk(path, tmp_path / "decoded.pcm")
    assert len(on_disk) == len(audio)
    assert np.array_equal(on_disk[:], audio)


def test_decoded_audio_reads_any_stretch_and_the_recording_mean_square(
    speech: dict[str, Speech], tmp_path: Path
) -> None:
    audio = decode(speech["garden"].path)
    on_disk = decode_to_disk(speech["garden"].path, tmp_path / "garden.pcm")
    for start, end in [(0, 1), (1000, 17_000), (len(audio) - 5, len(audio) + 100), (-3200, None)]:
        assert np.array_equal(on_disk[start:end], audio[start:end])
    assert mean_square(on_disk, chunk=999) == pytest.approx(float(np.mean(audio**2)), rel=1e-5)


def test_an_mp3_whose_header_counts_only_its_first_part_is_decoded_whole(
    speech: dict[str, Speech], tmp_path: Path
) -> None:
    """`cat short.mp3 long.mp3`: the first file's Xing header counts only its own frames, and the
    second file's header frame does not decode; the whole stream is still read, all of it."""
    first, second = speech["weather"], speech["garden"]
    parts = []
    for clip in (first, second):
        samples, rate = read_wav(clip.path)
        parts.append(encode(samples, rate, ENCODINGS["mp3"], tmp_path / f"{len(parts)}.mp3").read_bytes())
    joined = tmp_path / "joined.mp3"
    joined.write_bytes(parts[0] + parts[1])
    audio = decode(joined)
    assert abs(len(audio) / SAMPLE_RATE - (first.duration + second.duration)) < 0.3
    assert len(decode_to_disk(joined, tmp_path / "joined.pcm")) == len(audio)


def test_a_wav_whose_header_understates_its_data_is_decoded_whole(
    speech: dict[str, Speech], tmp_path: Path
) -> None:
    clip = speech["meeting"]
    samples, rate = read_wav(clip.path)
    data = bytearray(encode(samples, rate, ENCODINGS["wav"], tmp_path / "full.wav").read_bytes())
    at = data.find(b"data") + 4
    data[at : at + 4] = (int.from_bytes(data[at : at + 4], "little") // 4).to_bytes(4, "little")
    (tmp_path / "short_header.wav").write_bytes(bytes(data))  # says a quarter of what it holds
    audio = decode(tmp_path / "short_header.wav")
    assert abs(len(audio) / SAMPLE_RATE - clip.duration) < 0.15


def test_a_matroska_file_whose_duration_element_lies_is_decoded_whole(
    speech: dict[str, Speech], tmp_path: Path
) -> None:
    """The Segment's Duration element (EBML id 0x4489, a big-endian float) says a quarter of the audio:
    the gateway's probe prices what it says, the decoder still reads every block (and the gateway
    charges what was decoded)."""
    clip = speech["meeting"]
    samples, rate = read_wav(clip.path)
    data = bytearray(encode(samples, rate, ENCODINGS["mkv"], tmp_path / "full.mkv").read_bytes())
    at = data.find(b"\x44\x89")
    assert at > 0, "no Duration element"
    size = data[at + 2] & 0x7F  # a one-byte EBML size: 4 or 8
    kind = {4: ">f", 8: ">d"}[size]
    (written,) = struct.unpack(kind, data[at + 3 : at + 3 + size])
    data[at + 3 : at + 3 + size] = struct.pack(kind, written / 4)
    lying = tmp_path / "lying.mkv"
    lying.write_bytes(bytes(data))
    assert probe_duration(lying) == pytest.approx(clip.duration / 4, abs=0.2)
    audio = decode(lying)
    assert abs(len(audio) / SAMPLE_RATE - clip.duration) < 0.15
    assert len(decode_to_disk(lying, tmp_path / "lying.pcm")) == len(audio)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        decode(empty)


def test_text_file_named_mp3_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "song.mp3"
    fake.write_text("This is a shopping list, not a song.\nMilk\nEggs\n" * 20)
    with pytest.raises(MediaError, match="not readable audio or video"):
        decode(fake)


def test_corrupt_bytes_are_refused(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(MediaError, match="not readable audio or video"):
        decode(corrupt)


def test_video_without_audio_is_refused(tmp_path: Path) -> None:
    silent_video = encode(None, SAMPLE_RATE, ENCODINGS["mp4"], tmp_path / "video.mp4", seconds=1.0)
    with pytest.raises(MediaError, match="no audio track"):
        decode(silent_video)


def test_image_is_refused_as_unsupported_format(tmp_path: Path) -> None:
    import av
    import numpy as np

    image_path = tmp_path / "picture.mp3"
    with av.open(str(image_path), "w", format="image2", options={"update": "1"}) as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = 8, 8, "rgb24"
        frame = av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), dtype=np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    with pytest.raises(MediaError, match="unsupported media format"):
        decode(image_path)
