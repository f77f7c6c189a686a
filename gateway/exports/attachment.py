"""`Content-Disposition` of a download whose name may be in any script (RFC 6266, with RFC 5987's
`filename*`): clients take the UTF-8 name; the plain `filename` is an ASCII stand-in for the few that
read only that. A header holds Latin-1 only, so a raw Cyrillic or CJK name could not be sent at all."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_MOST_CHARS = 120
_DEFAULT_STEM = "transcript"
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._ -]+")


def _readable(name: str) -> str:
    """The name without control characters, path separators and quotes, which no saved file wants."""
    kept = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '/\\"')
    return kept.strip(" .")[:_MOST_CHARS]


def _ascii(name: str) -> str:
    """Accents dropped where a letter has them (é -> e), anything else outside ASCII as `_`."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _UNSAFE_ASCII.sub("_", letters).strip(" ._")


def attachment(filename: str, extension: str) -> str:
    """The header for saving `filename` (its own extension replaced by `extension`)."""
    stem = _readable(filename.rsplit(".", 1)[0]) or _DEFAULT_STEM
    fallback = _ascii(stem) or _DEFAULT_STEM
    encoded = quote(f"{stem}.{extension}", safe="")
    return f"attachment; filename=\"{fallback}.{extension}\"; filename*=UTF-8''{encoded}"
