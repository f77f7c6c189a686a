"""One record copied into another of a different kind by field name: an engine's result into the proto a
servicer answers with, a request's config into the engine's options, a form into the config the
gateway sends. Naming every field twice at each of those places is how a field added to both ends gets
forgotten at one."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

Record = TypeVar("Record")


def filled(kind: type[Record], source: object, source_prefix: str = "", **given: Any) -> Record:
    """A `kind` with `given` set and every other field it shares by name with `source` copied from it.

    Both are proto messages, dataclasses or pydantic models; only their declared fields are matched,
    never methods or properties. A field `source` lacks keeps `kind`'s default; a field whose value
    must change on the way (a list of records, a renamed value) is passed in `given`. With
    `source_prefix`, `kind`'s field `x` is `source`'s field `<source_prefix>x` (settings that group
    an engine's options under one prefix)."""
    offered = {
        name.removeprefix(source_prefix)
        for name in field_names(type(source))
        if name.startswith(source_prefix)
    }
    wanted = (field_names(kind) & offered) - given.keys()
    copied = {name: getattr(source, source_prefix + name) for name in wanted}
    return kind(**copied, **given)


def field_names(kind: type) -> frozenset[str]:
    """A record type's declared field names, read once a type (`filled` runs for every word)."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = _declared_fields(kind)
    return names


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _declared_fields(kind: type) -> frozenset[str]:
    descriptor = getattr(kind, "DESCRIPTOR", None)
    if descriptor is not None:
        return frozenset(field.name for field in descriptor.fields)
    if dataclasses.is_dataclass(kind):
        return frozenset(field.name for field in dataclasses.fields(kind))
    model_fields = getattr(kind, "model_fields", None)
    if model_fields is not None:
        return frozenset(model_fields)
    raise TypeError(f"{kind.__name__} is not a proto message, a dataclass or a pydantic model")
