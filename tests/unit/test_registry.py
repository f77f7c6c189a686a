"""The model registry: packaged weights, aliases configured by the deployment, unknown ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.asr.device import choose_device
from services.asr.registry import ModelRegistry, UnknownModelError
from services.asr.settings import AsrSettings


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    settings = AsrSettings(data_dir=tmp_path_factory.mktemp("data"))
    return ModelRegistry(settings, choose_device(settings))


def test_packaged_weights_are_installed(registry: ModelRegistry) -> None:
    assert {"base", "tiny.en"} <= set(registry.installed)
    assert (registry.installed["base"] / "model.bin").stat().st_size > 140_000_000


def test_public_ids_resolve_through_configured_aliases(registry: ModelRegistry) -> None:
    resolution = registry.resolve("large-v3-turbo")
    assert (resolution.weights_id, resolution.is_alias) == ("base", True)
    assert registry.resolve("").requested == "large-v3-turbo"  # the public API's default
    assert registry.resolve("tiny.en").is_alias is False


def test_unknown_model_is_refused_with_the_available_ids(registry: ModelRegistry) -> None:
    with pytest.raises(UnknownModelError, match=r"available: .*base"):
        registry.resolve("whisper-9000")


def test_listing_shows_aliases_and_what_serves_them(registry: ModelRegistry) -> None:
    entries = {e.id: e for e in registry.entries()}
    assert list(entries)[:4] == ["large-v3-turbo", "large-v3", "medium", "small"]
    assert entries["medium"].served_by == "base" and entries["medium"].is_alias
    assert entries["tiny.en"].card.languages == 1


def test_configured_path_without_weights_is_not_installed(tmp_path: Path) -> None:
    settings = AsrSettings(data_dir=tmp_path, model_paths={"large-v3": tmp_path / "missing"}, aliases={})
    registry = ModelRegistry(settings, choose_device(settings))
    with pytest.raises(UnknownModelError):
        registry.resolve("large-v3")


def test_configured_path_with_weights_serves_its_own_id(tmp_path: Path, registry: ModelRegistry) -> None:
    settings = AsrSettings(data_dir=tmp_path, model_paths={"large-v3": registry.installed["base"]})
    resolution = ModelRegistry(settings, choose_device(settings)).resolve("large-v3")
    assert (resolution.weights_id, resolution.is_alias) == ("large-v3", False)
