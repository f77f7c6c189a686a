"""`GET /v1/models` and `GET /v1/languages`."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ModelInfo(BaseModel):
    id: str = Field(description="The id to send as `model`")
    name: str
    languages: int = Field(description="How many languages the weights transcribe")
    speed: str
    installed: bool = Field(description="Whether weights serve this id on this deployment")
    served_by: str | None = Field(description="The weights that answer for an alias; null otherwise")
    alias: bool = Field(description="True when other weights serve this id (every answer names them)")
    loaded: bool = Field(description="Whether the weights are in memory now")


class ModelsResponse(BaseModel):
    models: list[ModelInfo]
    default: str = Field(description="The model used when a request names none")


class Language(BaseModel):
    code: str = Field(description="ISO 639-1")
    name: str


class LanguagesResponse(BaseModel):
    languages: list[Language]
