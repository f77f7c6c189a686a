"""What Whisper writes where it heard no words: the segments the decoder keeps to itself.

Two signs, each needing the decoder's own doubt as well:
- no speech: Whisper's no-speech probability is high and the text is unlikely or repetitive (its own
  rule, applied after decoding);
- implausible words: the text failed the log-probability check at every temperature and its words
  are ones no speaker says. A file's last half second of room tone came back as "We will show you
  the best and best of all of you." (twelve words in 0.62 s), and lone words as "Yes." or "Please."
  at 1-4% probability. The word test is openai-whisper's anomaly score (its
  `hallucination_silence_threshold` rule): a word under 15% probability, or shorter than 0.133 s, or
  longer than 2 s, counts against its segment.
"""

from __future__ import annotations

from collections.abc import Sequence

from faster_whisper.transcribe import Segment as WhisperSegment
from faster_whisper.transcribe import Word

from services.asr.settings import AsrSettings

_UNLIKELY_WORD = 0.15
_SHORTEST_WORD_S = 0.133
_LONGEST_WORD_S = 2.0
_WORDS_JUDGED = 8
"""Only a segment's first words are scored: a long segment that starts well is speech."""


def is_hallucination(segment: WhisperSegment, settings: AsrSettings) -> bool:
    doubted = segment.avg_logprob < settings.log_prob_threshold
    repetitive = segment.compression_ratio > settings.compression_ratio_threshold
    if segment.no_speech_prob > settings.no_speech_threshold and (doubted or repetitive):
        return True
    return doubted and implausible_words(segment.words or ())


def implausible_words(words: Sequence[Word]) -> bool:
    """Whether a segment's words are mostly ones no speaker says: very unlikely, crammed together or
    drawn out (False for no words: nothing to judge)."""
    spoken = [w for w in words if any(c.isalnum() for c in w.word)][:_WORDS_JUDGED]
    if not spoken:
        return False
    score = sum(_anomaly(w) for w in spoken)
    return score >= 3 or score + 0.01 >= len(spoken)


def _anomaly(word: Word) -> float:
    duration = word.end - word.start
    score = 1.0 if word.probability < _UNLIKELY_WORD else 0.0
    score += max(0.0, _SHORTEST_WORD_S - duration) * 15
    score += max(0.0, duration - _LONGEST_WORD_S)
    return score
