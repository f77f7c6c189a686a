"""CTranslate2 translators mounted by path: MADLAD-400 in production (450+ languages), or an NLLB,
M2M100 or OPUS-MT conversion. The folder is what `ct2-transformers-converter` writes (`model.bin`,
the vocabulary, `config.json`) with the model's SentencePiece files copied in."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from services.translate.languages import normalized
from services.translate.model_families import FAMILIES, Family, detect_family
from services.translate.routes import Route
from services.translate.settings import TranslateSettings

log = logging.getLogger(__name__)

ENGINE = "ctranslate2"
_SOURCE_TOKENIZERS = ("source.spm", "spiece.model", "sentencepiece.model", "sentencepiece.bpe.model")


class ModelFolderError(RuntimeError):
    """The configured model folder cannot be served: the service stops at start rather than run
    without the model it was given."""


def read_vocabulary(folder: Path) -> list[str]:
    """The model's (shared, or target) vocabulary, as CTranslate2 saved it (JSON or a token a line)."""
    for stem in ("shared_vocabulary", "target_vocabulary"):
        if (folder / f"{stem}.json").is_file():
            return list(json.loads((folder / f"{stem}.json").read_text()))
        if (folder / f"{stem}.txt").is_file():
            return (folder / f"{stem}.txt").read_text().splitlines()
    raise ModelFolderError(f"no vocabulary in {folder} (shared_vocabulary.json or .txt)")


def _tokenizer_files(folder: Path) -> tuple[Path, Path]:
    source = next((folder / n for n in _SOURCE_TOKENIZERS if (folder / n).is_file()), None)
    source = source or next(iter(sorted(folder.glob("*.model"))), None)
    if source is None:
        raise ModelFolderError(
            f"no SentencePiece model in {folder}: copy the model's own ({', '.join(_SOURCE_TOKENIZERS)}) "
            "beside model.bin (`ct2-transformers-converter --copy_files ...`)"
        )
    target = folder / "target.spm"
    return source, target if target.is_file() else source


class CTranslate2Engine:
    name = ENGINE

    def __init__(self, settings: TranslateSettings) -> None:
        assert settings.model_path is not None
        self._settings = settings
        self._folder = settings.model_path
        self.model = settings.model_name or settings.model_path.name
        self.device = "cpu"
        self._translator: Any = None
        self._source_sp: Any = None
        self._target_sp: Any = None
        self._family: Family | None = None
        self._tokens: dict[str, str] = {}
        self._route: Route | None = None

    def load(self) -> None:
        import ctranslate2
        import sentencepiece

        settings = self._settings
        if not (self._folder / "model.bin").is_file():
            raise ModelFolderError(f"no CTranslate2 model at {self._folder} (model.bin is missing)")
        vocabulary = read_vocabulary(self._folder)
        family = (
            FAMILIES[settings.model_family] if settings.model_family != "auto" else detect_family(vocabulary)
        )
        self._tokens = family.languages(vocabulary)
        sources, targets = self._languages(family)
        source_file, target_file = _tokenizer_files(self._folder)
        self._source_sp = sentencepiece.SentencePieceProcessor(model_file=str(source_file))
        self._target_sp = sentencepiece.SentencePieceProcessor(model_file=str(target_file))
        device = settings.device
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        log.info("loading %s (%s family) from %s on %s", self.model, family.name, self._folder, device)
        self._translator = ctranslate2.Translator(
            str(self._folder),
            device=device,
            compute_type=settings.compute_type,
            inter_threads=settings.workers,
            intra_threads=settings.threads,
        )
        self.device = device
        self._family = family
        self._route = Route(ENGINE, self.model, sources, targets)

    def _languages(self, family: Family) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What the model reads and writes: its language tokens, or for a one-pair model (OPUS-MT) the
        languages the settings give."""
        named = tuple(sorted(self._tokens))
        settings = self._settings
        sources = tuple(normalized(code, "model source") for code in settings.model_sources)
        targets = tuple(normalized(code, "model target") for code in settings.model_targets)
        if family.name == "marian":
            if not sources or not (targets or named):
                raise ModelFolderError(
                    "an OPUS-MT (Marian) model translates one pair: set STT_TRANSLATE_MODEL_SOURCES and "
                    "STT_TRANSLATE_MODEL_TARGETS (such as `en` and `es`)"
                )
            return sources, named or targets
        if len(named) < 2:
            raise ModelFolderError(f"the {family.name} vocabulary names fewer than two languages")
        return sources or named, targets or named

    def routes(self) -> list[Route]:
        return [self._route] if self._route else []

    def translate(self, route: Route, pieces: list[str], source: str, target: str) -> list[str]:
        family = self._family
        assert family is not None
        target_token = self._tokens.get(target)
        batch = [
            family.source_tokens(tokens, self._tokens.get(source), target_token)
            for tokens in self._source_sp.encode(pieces, out_type=str)
        ]
        prefix = family.target_prefix(target_token)
        settings = self._settings
        results = self._translator.translate_batch(
            batch,
            target_prefix=[prefix] * len(batch) if prefix else None,
            beam_size=settings.beam_size,
            max_batch_size=settings.max_batch_size,
            max_decoding_length=settings.max_decoding_length,
        )
        skip = len(prefix) if prefix else 0
        return [self._target_sp.decode(result.hypotheses[0][skip:]) for result in results]

    def close(self) -> None:
        self._translator = None
