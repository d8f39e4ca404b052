"""Spelling-level normalisation: NFKC, traditional to simplified, lower case, pinyin keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict
from zhconv import zhconv

HAN = re.compile(r"[\u3400-\u9fff]")
ONLY_HAN = re.compile(r"^[\u3400-\u9fff]+$")
LATIN = re.compile(r"^[a-z0-9][a-z0-9 .'&-]*$")


@lru_cache(maxsize=1)
def _t2s() -> dict[int, str]:
    """Character table traditional -> simplified from zhconv's bundled dictionary (no network)."""
    table = zhconv.getdict("zh-cn")
    return {ord(k): v for k, v in table.items() if len(k) == 1 and len(v) == 1 and HAN.match(k) and k != v}


@lru_cache(maxsize=1)
def _traditional() -> re.Pattern[str]:
    """One character class of every traditional character the table changes (a cheap test first)."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_t2s())) + "]")


def simplify(text: str) -> str:
    """Traditional characters to simplified ones, character by character (trade names need no phrases)."""
    if not _traditional().search(text):
        return text
    return text.translate(_t2s())


def clean(text: str) -> str:
    """Canonical spelling: NFKC (full-width to half-width), simplified characters, lower case, one space."""
    value = simplify(unicodedata.normalize("NFKC", text).lower())
    # str.split() and strip() cut at the characters \s matches (both use str.isspace), a third of the regex
    return " ".join(value.split())


def squeeze(text: str) -> str:
    """A key without spaces between Chinese characters (英文 keeps single spaces)."""
    if " " in text and HAN.search(text):
        return text.replace(" ", "")
    return text


@lru_cache(maxsize=1)
def _readings() -> dict[int, tuple[str, ...]]:
    """Every character's toneless readings, most common first, from pypinyin's bundled table."""
    out: dict[int, tuple[str, ...]] = {}
    for code, value in pinyin_dict.items():
        names = []
        for reading in value.split(","):
            plain = unicodedata.normalize("NFD", reading.replace("ü", "v"))
            names.append("".join(c for c in plain if not unicodedata.combining(c)))
        out[code] = tuple(dict.fromkeys(names))
    return out


@lru_cache(maxsize=1)
def _first_readings() -> dict[int, str]:
    """Every character's most common toneless reading, as a str.translate table."""
    return {code: names[0] for code, names in _readings().items()}


def pinyin(text: str) -> str:
    """Toneless pinyin, one reading per character (fast, for homophones): 缝纫工 -> fengrengong."""
    return text.translate(_first_readings()).replace(" ", "")


def phrase_pinyin(text: str) -> str:
    """Toneless pinyin with readings chosen by phrase (重体力 -> zhongtili); slower, for building keys."""
    return "".join(lazy_pinyin(text)).replace(" ", "")


def is_polyphonic(text: str) -> bool:
    """True when a character of text has more than one reading."""
    table = _readings()
    return any(len(table.get(ord(c), ())) > 1 for c in text)


def initials(text: str) -> str:
    """First letters of each syllable: 缝纫工 -> frg."""
    table = _readings()
    return "".join(table[ord(c)][0][:1] for c in text if ord(c) in table)


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
