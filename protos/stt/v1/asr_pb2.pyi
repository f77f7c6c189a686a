from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TranscribeRequest(_message.Message):
    __slots__ = ("config", "audio_chunk")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    AUDIO_CHUNK_FIELD_NUMBER: _ClassVar[int]
    config: TranscribeConfig
    audio_chunk: bytes
    def __init__(self, config: _Optional[_Union[TranscribeConfig, _Mapping]] = ..., audio_chunk: _Optional[bytes] = ...) -> None: ...

class TranscribeConfig(_message.Message):
    __slots__ = ("model", "language", "diarize", "speakers", "filename", "min_speakers", "max_speakers", "task", "prompt", "temperature")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DIARIZE_FIELD_NUMBER: _ClassVar[int]
    SPEAKERS_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    MIN_SPEAKERS_FIELD_NUMBER: _ClassVar[int]
    MAX_SPEAKERS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    model: str
    language: str
    diarize: bool
    speakers: int
    filename: str
    min_speakers: int
    max_speakers: int
    task: str
    prompt: str
    temperature: float
    def __init__(self, model: _Optional[str] = ..., language: _Optional[str] = ..., diarize: _Optional[bool] = ..., speakers: _Optional[int] = ..., filename: _Optional[str] = ..., min_speakers: _Optional[int] = ..., max_speakers: _Optional[int] = ..., task: _Optional[str] = ..., prompt: _Optional[str] = ..., temperature: _Optional[float] = ...) -> None: ...

class TranscribeEvent(_message.Message):
    __slots__ = ("progress", "segment", "transcript")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    progress: TranscribeProgress
    segment: Segment
    transcript: Transcript
    def __init__(self, progress: _Optional[_Union[TranscribeProgress, _Mapping]] = ..., segment: _Optional[_Union[Segment, _Mapping]] = ..., transcript: _Optional[_Union[Transcript, _Mapping]] = ...) -> None: ...

class TranscribeProgress(_message.Message):
    __slots__ = ("fraction", "decoded_seconds", "duration")
    FRACTION_FIELD_NUMBER: _ClassVar[int]
    DECODED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    fraction: float
    decoded_seconds: float
    duration: float
    def __init__(self, fraction: _Optional[float] = ..., decoded_seconds: _Optional[float] = ..., duration: _Optional[float] = ...) -> None: ...

class StreamRequest(_message.Message):
    __slots__ = ("config", "audio")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    config: StreamConfig
    audio: bytes
    def __init__(self, config: _Optional[_Union[StreamConfig, _Mapping]] = ..., audio: _Optional[bytes] = ...) -> None: ...

class StreamConfig(_message.Message):
    __slots__ = ("model", "language", "diarize")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DIARIZE_FIELD_NUMBER: _ClassVar[int]
    model: str
    language: str
    diarize: bool
    def __init__(self, model: _Optional[str] = ..., language: _Optional[str] = ..., diarize: _Optional[bool] = ...) -> None: ...

class StreamEvent(_message.Message):
    __slots__ = ("ready", "partial", "segment", "transcript")
    READY_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    ready: StreamReady
    partial: StreamPartial
    segment: Segment
    transcript: Transcript
    def __init__(self, ready: _Optional[_Union[StreamReady, _Mapping]] = ..., partial: _Optional[_Union[StreamPartial, _Mapping]] = ..., segment: _Optional[_Union[Segment, _Mapping]] = ..., transcript: _Optional[_Union[Transcript, _Mapping]] = ...) -> None: ...

class StreamReady(_message.Message):
    __slots__ = ("model", "requested_model")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_MODEL_FIELD_NUMBER: _ClassVar[int]
    model: str
    requested_model: str
    def __init__(self, model: _Optional[str] = ..., requested_model: _Optional[str] = ...) -> None: ...

class StreamPartial(_message.Message):
    __slots__ = ("text", "start")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    text: str
    start: float
    def __init__(self, text: _Optional[str] = ..., start: _Optional[float] = ...) -> None: ...

class Word(_message.Message):
    __slots__ = ("word", "start", "end", "probability", "speaker")
    WORD_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    word: str
    start: float
    end: float
    probability: float
    speaker: str
    def __init__(self, word: _Optional[str] = ..., start: _Optional[float] = ..., end: _Optional[float] = ..., probability: _Optional[float] = ..., speaker: _Optional[str] = ...) -> None: ...

class Segment(_message.Message):
    __slots__ = ("id", "start", "end", "text", "speaker", "confidence", "words", "avg_logprob", "no_speech_prob", "compression_ratio")
    ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    AVG_LOGPROB_FIELD_NUMBER: _ClassVar[int]
    NO_SPEECH_PROB_FIELD_NUMBER: _ClassVar[int]
    COMPRESSION_RATIO_FIELD_NUMBER: _ClassVar[int]
    id: int
    start: float
    end: float
    text: str
    speaker: str
    confidence: float
    words: _containers.RepeatedCompositeFieldContainer[Word]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    def __init__(self, id: _Optional[int] = ..., start: _Optional[float] = ..., end: _Optional[float] = ..., text: _Optional[str] = ..., speaker: _Optional[str] = ..., confidence: _Optional[float] = ..., words: _Optional[_Iterable[_Union[Word, _Mapping]]] = ..., avg_logprob: _Optional[float] = ..., no_speech_prob: _Optional[float] = ..., compression_ratio: _Optional[float] = ...) -> None: ...

class SpeakerTurn(_message.Message):
    __slots__ = ("start", "end", "speaker")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    start: float
    end: float
    speaker: str
    def __init__(self, start: _Optional[float] = ..., end: _Optional[float] = ..., speaker: _Optional[str] = ...) -> None: ...

class Transcript(_message.Message):
    __slots__ = ("text", "language", "language_probability", "duration", "segments", "speakers", "model", "requested_model", "processing_seconds", "speaker_turns")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    SPEAKERS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_MODEL_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_TURNS_FIELD_NUMBER: _ClassVar[int]
    text: str
    language: str
    language_probability: float
    duration: float
    segments: _containers.RepeatedCompositeFieldContainer[Segment]
    speakers: _containers.RepeatedScalarFieldContainer[str]
    model: str
    requested_model: str
    processing_seconds: float
    speaker_turns: _containers.RepeatedCompositeFieldContainer[SpeakerTurn]
    def __init__(self, text: _Optional[str] = ..., language: _Optional[str] = ..., language_probability: _Optional[float] = ..., duration: _Optional[float] = ..., segments: _Optional[_Iterable[_Union[Segment, _Mapping]]] = ..., speakers: _Optional[_Iterable[str]] = ..., model: _Optional[str] = ..., requested_model: _Optional[str] = ..., processing_seconds: _Optional[float] = ..., speaker_turns: _Optional[_Iterable[_Union[SpeakerTurn, _Mapping]]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("id", "name", "languages", "speed", "installed", "served_by", "is_alias", "loaded")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    SPEED_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_FIELD_NUMBER: _ClassVar[int]
    SERVED_BY_FIELD_NUMBER: _ClassVar[int]
    IS_ALIAS_FIELD_NUMBER: _ClassVar[int]
    LOADED_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    languages: int
    speed: str
    installed: bool
    served_by: str
    is_alias: bool
    loaded: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., languages: _Optional[int] = ..., speed: _Optional[str] = ..., installed: _Optional[bool] = ..., served_by: _Optional[str] = ..., is_alias: _Optional[bool] = ..., loaded: _Optional[bool] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models", "default_model")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_MODEL_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelInfo]
    default_model: str
    def __init__(self, models: _Optional[_Iterable[_Union[ModelInfo, _Mapping]]] = ..., default_model: _Optional[str] = ...) -> None: ...

class ListLanguagesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Language(_message.Message):
    __slots__ = ("code", "name")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListLanguagesResponse(_message.Message):
    __slots__ = ("languages",)
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    languages: _containers.RepeatedCompositeFieldContainer[Language]
    def __init__(self, languages: _Optional[_Iterable[_Union[Language, _Mapping]]] = ...) -> None: ...

class GetDeviceInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeviceInfo(_message.Message):
    __slots__ = ("device", "compute_type", "gpu_available", "gpu_name", "gpu_memory_mb", "gpu_memory_used_mb")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_TYPE_FIELD_NUMBER: _ClassVar[int]
    GPU_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    GPU_NAME_FIELD_NUMBER: _ClassVar[int]
    GPU_MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    GPU_MEMORY_USED_MB_FIELD_NUMBER: _ClassVar[int]
    device: str
    compute_type: str
    gpu_available: bool
    gpu_name: str
    gpu_memory_mb: int
    gpu_memory_used_mb: int
    def __init__(self, device: _Optional[str] = ..., compute_type: _Optional[str] = ..., gpu_available: _Optional[bool] = ..., gpu_name: _Optional[str] = ..., gpu_memory_mb: _Optional[int] = ..., gpu_memory_used_mb: _Optional[int] = ...) -> None: ...
