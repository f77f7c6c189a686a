from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CloneMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLONE_AUTO: _ClassVar[CloneMode]
    CLONE_REQUIRED: _ClassVar[CloneMode]
    CLONE_OFF: _ClassVar[CloneMode]
CLONE_AUTO: CloneMode
CLONE_REQUIRED: CloneMode
CLONE_OFF: CloneMode

class SynthesizeRequest(_message.Message):
    __slots__ = ("text", "speed", "reference_audio", "reference_text", "clone")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SPEED_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_AUDIO_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_TEXT_FIELD_NUMBER: _ClassVar[int]
    CLONE_FIELD_NUMBER: _ClassVar[int]
    text: str
    speed: float
    reference_audio: bytes
    reference_text: str
    clone: CloneMode
    def __init__(self, text: _Optional[str] = ..., speed: _Optional[float] = ..., reference_audio: _Optional[bytes] = ..., reference_text: _Optional[str] = ..., clone: _Optional[_Union[CloneMode, str]] = ...) -> None: ...

class SynthesisStart(_message.Message):
    __slots__ = ("model", "sample_rate", "voice_cloned", "voice_matching")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    VOICE_CLONED_FIELD_NUMBER: _ClassVar[int]
    VOICE_MATCHING_FIELD_NUMBER: _ClassVar[int]
    model: str
    sample_rate: int
    voice_cloned: bool
    voice_matching: str
    def __init__(self, model: _Optional[str] = ..., sample_rate: _Optional[int] = ..., voice_cloned: _Optional[bool] = ..., voice_matching: _Optional[str] = ...) -> None: ...

class SynthesisEnd(_message.Message):
    __slots__ = ("duration", "generation_seconds", "sentences")
    DURATION_FIELD_NUMBER: _ClassVar[int]
    GENERATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SENTENCES_FIELD_NUMBER: _ClassVar[int]
    duration: float
    generation_seconds: float
    sentences: int
    def __init__(self, duration: _Optional[float] = ..., generation_seconds: _Optional[float] = ..., sentences: _Optional[int] = ...) -> None: ...

class SynthesizeEvent(_message.Message):
    __slots__ = ("start", "pcm_chunk", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    PCM_CHUNK_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: SynthesisStart
    pcm_chunk: bytes
    end: SynthesisEnd
    def __init__(self, start: _Optional[_Union[SynthesisStart, _Mapping]] = ..., pcm_chunk: _Optional[bytes] = ..., end: _Optional[_Union[SynthesisEnd, _Mapping]] = ...) -> None: ...

class GetVoicesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Voices(_message.Message):
    __slots__ = ("builtin_model", "can_clone", "clone_model", "clone_unavailable_reason")
    BUILTIN_MODEL_FIELD_NUMBER: _ClassVar[int]
    CAN_CLONE_FIELD_NUMBER: _ClassVar[int]
    CLONE_MODEL_FIELD_NUMBER: _ClassVar[int]
    CLONE_UNAVAILABLE_REASON_FIELD_NUMBER: _ClassVar[int]
    builtin_model: str
    can_clone: bool
    clone_model: str
    clone_unavailable_reason: str
    def __init__(self, builtin_model: _Optional[str] = ..., can_clone: _Optional[bool] = ..., clone_model: _Optional[str] = ..., clone_unavailable_reason: _Optional[str] = ...) -> None: ...
