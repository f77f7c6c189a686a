"""`/v1/translate`, `/v1/translate/languages` and the translation of stored transcripts."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TranslateRequest(BaseModel):
    text: str | None = Field(default=None, description="One text to translate (or send `texts`)")
    texts: list[str] | None = Field(default=None, description="Several texts, translated in one batch")
    target: str = Field(
        max_length=32,
        description="The language to translate into (ISO 639-1, such as `es`)",
    )
    source: str = Field(
        default="en",
        max_length=32,
        description="The language of the text; `en` if absent",
    )


class _Named(BaseModel):
    source_language: str
    target_language: str
    model: str = Field(description="The model or language data that translated (`apertium-eng-spa`)")
    engine: str = Field(description="`ctranslate2` (MADLAD-400 and other neural models) or `apertium`")


class TranslateResponse(_Named):
    translated_text: str


class Translation(BaseModel):
    translated_text: str


class BatchTranslateResponse(_Named):
    translations: list[Translation] = Field(description="One per text, in order")


class LanguageRoute(BaseModel):
    engine: str
    model: str
    sources: list[str] = Field(description="It translates from each of these...")
    targets: list[str] = Field(description="...into each of these (never a language into itself)")


class TranslateLanguages(BaseModel):
    routes: list[LanguageRoute] = Field(
        description="In the order they are tried: the first route that serves a pair translates it"
    )
    pairs: int = Field(description="How many source->target pairs the routes serve together")


class TranslateTranscript(BaseModel):
    target: str = Field(max_length=32, description="The language to translate into (ISO 639-1)")
    force: bool = Field(default=False, description="Translate again even when a translation is cached")


class TranslatedSegment(BaseModel):
    id: int
    start: float
    end: float
    speaker: str | None
    text: str = Field(description="The segment's text in the target language")


class TranscriptTranslation(_Named):
    transcript_id: str
    text: str = Field(description="The whole transcript in the target language")
    segments: list[TranslatedSegment] = Field(description="Every segment with its own times and speaker")
    cached: bool = Field(description="True when this translation was made earlier and kept")
    created_at: str
