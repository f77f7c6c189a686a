from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SampleEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SAMPLE_ENCODING_UNSPECIFIED: _ClassVar[SampleEncoding]
    PCM_16: _ClassVar[SampleEncoding]
    FLOAT_32: _ClassVar[SampleEncoding]
SAMPLE_ENCODING_UNSPECIFIED: SampleEncoding
PCM_16: SampleEncoding
FLOAT_32: SampleEncoding

class EnhanceOptions(_message.Message):
    __slots__ = ("target_lufs", "true_peak_db", "sample_rate", "encoding", "skip_denoise", "filename", "stream")
    TARGET_LUFS_FIELD_NUMBER: _ClassVar[int]
    TRUE_PEAK_DB_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    SKIP_DENOISE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    target_lufs: float
    true_peak_db: float
    sample_rate: int
    encoding: SampleEncoding
    skip_denoise: bool
    filename: str
    stream: bool
    def __init__(self, target_lufs: _Optional[float] = ..., true_peak_db: _Optional[float] = ..., sample_rate: _Optional[int] = ..., encoding: _Optional[_Union[SampleEncoding, str]] = ..., skip_denoise: _Optional[bool] = ..., filename: _Optional[str] = ..., stream: _Optional[bool] = ...) -> None: ...

class EnhanceRequest(_message.Message):
    __slots__ = ("options", "audio_chunk")
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    AUDIO_CHUNK_FIELD_NUMBER: _ClassVar[int]
    options: EnhanceOptions
    audio_chunk: bytes
    def __init__(self, options: _Optional[_Union[EnhanceOptions, _Mapping]] = ..., audio_chunk: _Optional[bytes] = ...) -> None: ...

class EnhanceHeader(_message.Message):
    __slots__ = ("duration", "sample_rate", "encoding", "model", "input_loudness", "output_loudness", "output_true_peak", "processing_seconds", "wav_bytes")
    DURATION_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    INPUT_LOUDNESS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_LOUDNESS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TRUE_PEAK_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WAV_BYTES_FIELD_NUMBER: _ClassVar[int]
    duration: float
    sample_rate: int
    encoding: SampleEncoding
    model: str
    input_loudness: float
    output_loudness: float
    output_true_peak: float
    processing_seconds: float
    wav_bytes: int
    def __init__(self, duration: _Optional[float] = ..., sample_rate: _Optional[int] = ..., encoding: _Optional[_Union[SampleEncoding, str]] = ..., model: _Optional[str] = ..., input_loudness: _Optional[float] = ..., output_loudness: _Optional[float] = ..., output_true_peak: _Optional[float] = ..., processing_seconds: _Optional[float] = ..., wav_bytes: _Optional[int] = ...) -> None: ...

class EnhanceEnd(_message.Message):
    __slots__ = ("duration", "input_loudness", "output_loudness", "output_true_peak", "processing_seconds")
    DURATION_FIELD_NUMBER: _ClassVar[int]
    INPUT_LOUDNESS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_LOUDNESS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TRUE_PEAK_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_SECONDS_FIELD_NUMBER: _ClassVar[int]
    duration: float
    input_loudness: float
    output_loudness: float
    output_true_peak: float
    processing_seconds: float
    def __init__(self, duration: _Optional[float] = ..., input_loudness: _Optional[float] = ..., output_loudness: _Optional[float] = ..., output_true_peak: _Optional[float] = ..., processing_seconds: _Optional[float] = ...) -> None: ...

class EnhanceResponse(_message.Message):
    __slots__ = ("header", "wav_chunk", "end")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    WAV_CHUNK_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    header: EnhanceHeader
    wav_chunk: bytes
    end: EnhanceEnd
    def __init__(self, header: _Optional[_Union[EnhanceHeader, _Mapping]] = ..., wav_chunk: _Optional[bytes] = ..., end: _Optional[_Union[EnhanceEnd, _Mapping]] = ...) -> None: ...
