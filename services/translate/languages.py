"""Language codes: the API speaks ISO 639-1 (`es`), or ISO 639-3 where a language has no two-letter
code (`ceb`); engines name languages their own way (Apertium and NLLB by ISO 639-3, sometimes the
code of one variety of a macrolanguage: NLLB's standard Arabic is `arb`, its Persian `pes`)."""

from __future__ import annotations

import re

from services.common.errors import InvalidRequestError

_TWO_LETTER_OF = {
    # ISO 639-3 (and the individual languages engines use for a macrolanguage) -> ISO 639-1.
    "afr": "af", "amh": "am", "ara": "ar", "arb": "ar", "asm": "as", "aze": "az", "azj": "az",
    "bak": "ba", "bel": "be", "ben": "bn", "bod": "bo", "bos": "bs", "bre": "br", "bul": "bg",
    "cat": "ca", "ces": "cs", "cos": "co", "cym": "cy", "dan": "da", "deu": "de", "div": "dv",
    "ell": "el", "eng": "en", "epo": "eo", "est": "et", "ekk": "et", "eus": "eu", "ewe": "ee",
    "fao": "fo", "fas": "fa", "pes": "fa", "fin": "fi", "fra": "fr", "fry": "fy", "gla": "gd",
    "gle": "ga", "glg": "gl", "grn": "gn", "guj": "gu", "hat": "ht", "hau": "ha", "heb": "he",
    "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "ibo": "ig", "ind": "id", "isl": "is",
    "ita": "it", "jav": "jv", "jpn": "ja", "kal": "kl", "kan": "kn", "kat": "ka", "kaz": "kk",
    "khm": "km", "kin": "rw", "kir": "ky", "kor": "ko", "kur": "ku", "kmr": "ku", "lao": "lo",
    "lat": "la", "lav": "lv", "lvs": "lv", "lin": "ln", "lit": "lt", "ltz": "lb", "lug": "lg",
    "mal": "ml", "mar": "mr", "mkd": "mk", "mlg": "mg", "plt": "mg", "mlt": "mt", "mon": "mn",
    "khk": "mn", "mri": "mi", "msa": "ms", "zsm": "ms", "mya": "my", "nep": "ne", "npi": "ne",
    "nld": "nl", "nno": "nn", "nob": "nb", "nor": "no", "nya": "ny", "oci": "oc", "ori": "or",
    "ory": "or", "orm": "om", "gaz": "om", "pan": "pa", "pol": "pl", "por": "pt", "pus": "ps",
    "pbt": "ps", "que": "qu", "quy": "qu", "ron": "ro", "rus": "ru", "san": "sa", "sin": "si",
    "slk": "sk", "slv": "sl", "sme": "se", "smo": "sm", "sna": "sn", "snd": "sd", "som": "so",
    "sot": "st", "spa": "es", "sqi": "sq", "als": "sq", "srd": "sc", "srp": "sr", "sun": "su",
    "swa": "sw", "swh": "sw", "swe": "sv", "tam": "ta", "tat": "tt", "tel": "te", "tgk": "tg",
    "tgl": "tl", "tha": "th", "tir": "ti", "tsn": "tn", "tso": "ts", "tuk": "tk", "tur": "tr",
    "uig": "ug", "ukr": "uk", "urd": "ur", "uzb": "uz", "uzn": "uz", "vie": "vi", "wol": "wo",
    "xho": "xh", "yid": "yi", "ydd": "yi", "yor": "yo", "zho": "zh", "zul": "zu", "hbs": "sh",
    "arg": "an", "ast": "ast", "fil": "tl",
}  # fmt: skip

_CODE = re.compile(r"[a-z]{2,3}")


def api_code(engine_code: str) -> str:
    """The API's code for a language an engine names by ISO 639-1 or 639-3."""
    code = engine_code.lower()
    return _TWO_LETTER_OF.get(code, code)


def normalized(code: str, role: str) -> str:
    """A caller's code as the service compares it: lower case, a region or script subtag dropped
    (`pt-BR` and `pt_br` are `pt`), a three-letter code with a two-letter one replaced by it."""
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    if not _CODE.fullmatch(base):
        raise InvalidRequestError(
            f"{role} language {code!r} is not a language code: use ISO 639-1, such as 'en' or 'es'"
        )
    return api_code(base)
