"""What every translation engine offers the service: the routes it serves and a batch translation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Route:
    """One model of an engine translates from each of `sources` into each of `targets`."""

    engine: str
    model: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]

    def serves(self, source: str, target: str) -> bool:
        return source != target and source in self.sources and target in self.targets

    def pairs(self) -> list[str]:
        return [f"{s}->{t}" for s in self.sources for t in self.targets if s != t]


class Engine(Protocol):
    name: str

    def load(self) -> None:
        """Finds or loads its models (blocking); afterwards `routes` says what it serves."""

    def routes(self) -> list[Route]: ...

    def translate(self, route: Route, pieces: list[str], source: str, target: str) -> list[str]:
        """One translation per piece, in order (pieces hold no line breaks); called from worker
        threads, with a route it listed."""
        ...

    def close(self) -> None: ...
