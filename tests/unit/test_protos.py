"""The committed gRPC stubs are exactly what `make protos` generates from the .proto files."""

from __future__ import annotations

import filecmp
from pathlib import Path

from protos.generate import PROTO_ROOT, generate, proto_files


def test_committed_stubs_match_the_protos(tmp_path: Path) -> None:
    generate(tmp_path)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.py*"))
    assert generated, "protoc produced nothing"
    assert len(generated) == 3 * len(proto_files())
    stale = [str(p) for p in generated if not filecmp.cmp(tmp_path / p, PROTO_ROOT / p, shallow=False)]
    assert not stale, f"stale stubs, run `make protos`: {stale}"
