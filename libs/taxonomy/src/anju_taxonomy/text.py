"""Spelling-level normalisation: NFKC, traditional to simplified, lower case, pinyin keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

HAN = re.compile(r"[\u3400-\u9fff]")
ONLY_HAN = re.compile(r"^[\u3400-\u9fff]+$")
LATIN = re.compile(r"^[a-z0-9][a-z0-9 .'&-]*$")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> dict[int, str]:
    """Character table traditional -> simplified from zhconv's bundled dictionary (no network)."""
    from zhconv import zhconv

    table = zhconv.getdict("zh-cn")
    return {ord(k): v for k, v in table.items() if len(k) == 1 and len(v) == 1 and HAN.match(k)}


def simplify(text: str) -> str:
    """Traditional characters to simplified ones, character by character (trade names need no phrases)."""
    return text.translate(_t2s())


def clean(text: str) -> str:
    """Canonical spelling: NFKC (full-width to half-width), simplified characters, lower case, one space."""
    value = unicodedata.normalize("NFKC", text).lower()
    value = simplify(value)
    return _SPACES.sub(" ", value).strip()


def squeeze(text: str) -> str:
    """A key without spaces between Chinese characters (英文 keeps single spaces)."""
    if HAN.search(text):
        return text.replace(" ", "")
    return text


def pinyin(text: str) -> str:
    """Toneless pinyin without spaces: 缝纫工 -> fengrengong."""
    return "".join(lazy_pinyin(text)).replace(" ", "")


def initials(text: str) -> str:
    """First letters of each syllable: 缝纫工 -> frg."""
    return "".join(p[:1] for p in lazy_pinyin(text, style=Style.FIRST_LETTER) if p and p[0].isalpha())


def english_key(text: str) -> str:
    """English words lower case, simple plurals dropped: 'Forklift Drivers' -> 'forklift driver'."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = []
    for w in words:
        if len(w) > 3 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return " ".join(out)
