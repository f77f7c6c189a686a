"""The guard that drops what Whisper writes where it heard no words, on segments shaped like the ones
the base weights wrote on the benchmark's LibriSpeech clips."""

from __future__ import annotations

from faster_whisper.transcribe import Segment, Word

from services.asr.hallucination import implausible_words, is_hallucination
from services.asr.settings import AsrSettings

SETTINGS = AsrSettings()


def segment(words: list[Word], avg_logprob: float, no_speech_prob: float = 0.3) -> Segment:
    return Segment(
        id=0,
        seek=0,
        start=words[0].start,
        end=words[-1].end,
        text="".join(w.word for w in words),
        tokens=[],
        avg_logprob=avg_logprob,
        compression_ratio=1.2,
        no_speech_prob=no_speech_prob,
        words=words,
        temperature=1.0,
    )


def crammed(text: str, start: float, seconds: float, probability: float) -> list[Word]:
    spoken = text.split()
    step = seconds / len(spoken)
    return [
        Word(start + i * step, start + (i + 1) * step, f" {w}", probability) for i, w in enumerate(spoken)
    ]


def test_a_sentence_written_into_half_a_second_of_room_tone_is_dropped() -> None:
    # A file's last 0.62 s after its speech; the decoder failed its checks at every temperature.
    words = crammed("We will show you the best and best of all of you.", 21.88, 0.62, 0.3)
    assert implausible_words(words)
    assert is_hallucination(segment(words, avg_logprob=-1.22), SETTINGS)


def test_a_lone_unlikely_word_the_decoder_doubts_is_dropped() -> None:
    assert is_hallucination(segment([Word(24.15, 24.31, " Please.", 0.04)], avg_logprob=-1.34), SETTINGS)


def test_hard_speech_the_decoder_doubts_is_kept_when_its_words_are_plausible() -> None:
    # Noisy speech fails the log-probability check too; its words are spoken at a speaker's pace and
    # mostly likely, so it stays (deleting them would cost as much as a wrong word, and more).
    words = crammed("the old temptation assailed her more than once that week", 5.0, 3.2, 0.6)
    assert not implausible_words(words)
    assert not is_hallucination(segment(words, avg_logprob=-1.3), SETTINGS)


def test_implausible_words_the_decoder_believes_are_kept() -> None:
    # Fast, unlikely words with a good log probability: what the decoder was sure of is not judged.
    words = crammed("yes yes yes", 1.0, 0.3, 0.1)
    assert implausible_words(words)
    assert not is_hallucination(segment(words, avg_logprob=-0.5), SETTINGS)


def test_whispers_no_speech_rule_still_drops_unlikely_text_over_silence() -> None:
    words = crammed("Thank you for watching", 0.0, 1.5, 0.9)
    assert is_hallucination(segment(words, avg_logprob=-1.1, no_speech_prob=0.9), SETTINGS)
    assert not is_hallucination(segment(words, avg_logprob=-0.4, no_speech_prob=0.9), SETTINGS)


def test_punctuation_alone_is_not_judged() -> None:
    assert not implausible_words([Word(1.0, 1.01, " ...", 0.01)])
    assert not implausible_words([])
