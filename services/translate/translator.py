"""The service's runtime: the engines it found, which one serves a pair (the first that lists it: the
mounted neural model before Apertium), the limits of a request, and the cutting of texts into
sentences and their joining back."""

from __future__ import annotations

import logging

from prometheus_client import Counter

from services.common.errors import InputTooLargeError, InvalidRequestError, NotInstalledError
from services.common.text_batches import check_batch
from services.common.text_pieces import split_text
from services.translate.apertium import ApertiumEngine
from services.translate.ctranslate import CTranslate2Engine
from services.translate.languages import normalized
from services.translate.routes import Engine, Route
from services.translate.settings import TranslateSettings

log = logging.getLogger(__name__)

SENTENCES_TRANSLATED = Counter(
    "stt_translate_sentences_total",
    "Sentences (pieces of texts) translated; its rate is sentences/s",
    ["engine"],
)

NO_ENGINE = (
    "no translation engine is installed: install Apertium with its pairs (`apt-get install apertium "
    "apertium-eng-spa`) or mount a CTranslate2 translator such as MADLAD-400 (STT_TRANSLATE_MODEL_PATH)"
)
_LISTED_LANGUAGES = 12  # a longer list is counted; /v1/translate/languages lists them all


class UnsupportedPairError(InvalidRequestError):
    """No engine translates the pair asked for; the message names what is served."""


def _languages(codes: tuple[str, ...]) -> str:
    if len(codes) <= _LISTED_LANGUAGES:
        return ", ".join(codes)
    return f"{len(codes)} languages"


def describe(routes: list[Route]) -> str:
    """What the routes serve, short enough for an error message: `en->es (apertium-eng-spa)`."""
    parts = []
    for route in routes:
        if len(route.sources) == 1 and len(route.targets) == 1:
            parts.append(f"{route.sources[0]}->{route.targets[0]} ({route.model})")
        else:
            sources, targets = _languages(route.sources), _languages(route.targets)
            parts.append(f"from {sources} into {targets} ({route.model})")
    return "; ".join(parts)


class Translator:
    def __init__(self, settings: TranslateSettings) -> None:
        self.settings = settings
        self.engines: list[Engine] = []
        self._loaded = False

    @property
    def ready(self) -> bool:
        return self._loaded

    def load(self) -> None:
        settings = self.settings
        engines: list[Engine] = []
        if settings.model_path is not None:
            engines.append(CTranslate2Engine(settings))
        if settings.apertium:
            engines.append(ApertiumEngine(settings.apertium_data_dir, settings.apertium_timeout_s))
        for engine in engines:
            engine.load()
        self.engines = engines
        self._loaded = True
        if not self.routes():
            log.warning(NO_ENGINE)

    def close(self) -> None:
        for engine in self.engines:
            engine.close()

    def routes(self) -> list[Route]:
        return [route for engine in self.engines for route in engine.routes()]

    def route_for(self, source: str, target: str) -> tuple[Engine, Route]:
        """The engine and route that translate `source` into `target` (normalized codes)."""
        for engine in self.engines:
            for route in engine.routes():
                if route.serves(source, target):
                    return engine, route
        routes = self.routes()
        if not routes:
            raise NotInstalledError(NO_ENGINE)
        if source == target:
            raise InvalidRequestError(f"source and target are both {source!r}: nothing to translate")
        raise UnsupportedPairError(
            f"no engine here translates {source}->{target}; served: {describe(routes)}"
        )

    def check(self, texts: list[str], source: str, target: str) -> tuple[Engine, Route, str, str]:
        """Refuses a request that cannot be served, before it waits for a worker; the engine and route
        that will serve it and the codes as understood."""
        limits = self.settings
        check_batch(texts, limits.max_texts, limits.max_text_chars, "translate", InputTooLargeError)
        total = sum(len(text) for text in texts)
        if total > limits.max_request_chars:
            raise InputTooLargeError(
                f"{total} characters in all; at most {limits.max_request_chars} a request"
            )
        source, target = normalized(source or "en", "source"), normalized(target, "target")
        engine, route = self.route_for(source, target)
        return engine, route, source, target

    def translate(
        self, engine: Engine, route: Route, texts: list[str], source: str, target: str
    ) -> list[str]:
        """Every text cut into pieces, all pieces in one engine batch, each text joined back."""
        splits = [split_text(text, self.settings.max_piece_chars) for text in texts]
        pieces = [piece for split in splits for piece in split.pieces]
        translated = engine.translate(route, pieces, source, target)
        SENTENCES_TRANSLATED.labels(route.engine).inc(len(pieces))
        out, start = [], 0
        for split in splits:
            out.append(split.joined(translated[start : start + len(split.pieces)]))
            start += len(split.pieces)
        return out
