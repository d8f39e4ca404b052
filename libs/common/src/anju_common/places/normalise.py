"""Any spelling of a province, prefecture or county → its GB/T 2260 division, or a clear error."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from anju_common.places.divisions import Division, Level, childless_prefectures, division, table

Reason = Literal["unknown", "ambiguous", "outside"]
KIND_ZH = {"province": "省份", "prefecture": "地市", "county": "县区"}
KIND_PLURAL = {"province": "provinces", "prefecture": "prefectures", "county": "counties"}
SUGGESTIONS = 5

# Suffixes of Chinese names, longest first: 黔南州 is 黔南, 贵州省 is 贵州.
_ZH_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "新区",
    "省",
    "市",
    "县",
    "区",
    "州",
    "盟",
    "旗",
)
_PY_SUFFIX = {
    "省": "sheng",
    "市": "shi",
    "县": "xian",
    "区": "qu",
    "州": "zhou",
    "盟": "meng",
    "旗": "qi",
    "地区": "diqu",
    "自治区": "zizhiqu",
    "自治州": "zizhizhou",
    "自治县": "zizhixian",
    "自治旗": "zizhiqi",
}
_EN_TYPE_WORDS = frozenset(
    (
        "province",
        "city",
        "county",
        "district",
        "prefecture",
        "league",
        "banner",
        "municipality",
        "region",
        "autonomous",
        "special",
        "administrative",
        "sar",
        "forestry",
        "new",
        "area",
        "multi",
        "ethnic",
        "shi",
        "sheng",
        "xian",
        "qu",
        "zhou",
        "meng",
        "qi",
        "diqu",
    )
)
# Other names people write for provincial-level divisions.
_PROVINCE_ALIASES = {
    "150000": ("nei mongol", "neimenggu", "inner mongolia autonomous region"),
    "540000": ("xizang", "tibet autonomous region"),
    "450000": ("guangxi zhuang autonomous region",),
    "640000": ("ningxia hui autonomous region",),
    "650000": ("xinjiang uygur autonomous region", "xinjiang uyghur autonomous region"),
    "810000": ("hongkong", "hong kong sar", "xianggang"),
    "820000": ("macau", "macao sar", "aomen"),
}
_PUNCT = re.compile(r"[\s'’‘`\-·・.,，、。()（）]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORDS = re.compile(r"[a-z]+")


def clean(text: str) -> str:
    """Full-width to half-width, lower case, no spaces or punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).strip().lower())


def _strip_zh(text: str) -> str | None:
    for suffix in _ZH_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)]
    return None


def _latin_variants(text: str) -> list[str]:
    """The whole spelling, then the spelling without type words (Huishui County → huishui)."""
    words = _WORDS.findall(unicodedata.normalize("NFKC", text).lower().replace("'", ""))
    out = ["".join(words)]
    if "autonomous" in words:
        cut = words.index("autonomous")
        stem = words[:1] + [w for w in words[1:cut] if w not in _ETHNIC_WORDS and w != "and"]
        out.append("".join(stem))
    stem = list(words)
    while len(stem) > 1 and stem[-1] in _EN_TYPE_WORDS:
        stem.pop()
    out.append("".join(stem))
    return list(dict.fromkeys(v for v in out if v))


_ETHNIC_WORDS = frozenset(
    (
        "mongol",
        "hui",
        "tibetan",
        "uygur",
        "miao",
        "yi",
        "zhuang",
        "buyei",
        "korean",
        "manchu",
        "dong",
        "yao",
        "bai",
        "tujia",
        "hani",
        "kazak",
        "dai",
        "li",
        "lisu",
        "va",
        "she",
        "lahu",
        "sui",
        "dongxiang",
        "naxi",
        "jingpo",
        "kirgiz",
        "tu",
        "daur",
        "mulao",
        "qiang",
        "blang",
        "salar",
        "maonan",
        "gelao",
        "xibe",
        "achang",
        "pumi",
        "tajik",
        "nu",
        "uzbek",
        "russian",
        "ewenki",
        "deang",
        "bonan",
        "yugur",
        "gin",
        "tatar",
        "derung",
        "oroqen",
        "hezhen",
        "monba",
        "lhoba",
        "jino",
    )
)


@dataclass(frozen=True, slots=True)
class _Index:
    zh: dict[str, tuple[Division, ...]]
    en: dict[str, tuple[Division, ...]]
    py: dict[str, tuple[Division, ...]]


@cache
def _index() -> _Index:
    zh: dict[str, list[Division]] = defaultdict(list)
    en: dict[str, list[Division]] = defaultdict(list)
    py: dict[str, list[Division]] = defaultdict(list)

    def add(bucket: dict[str, list[Division]], key: str, d: Division) -> None:
        if key and d not in bucket[key]:
            bucket[key].append(d)

    for d in table():
        add(zh, clean(d.name), d)
        add(zh, clean(d.short), d)
        for key in _latin_variants(d.en):
            add(en, key, d)
        for alias in _PROVINCE_ALIASES.get(d.code, ()):
            add(en, clean(alias), d)
        add(py, d.pinyin, d)
        suffix = d.name[len(d.short) :] if d.name.startswith(d.short) else ""
        for zh_suffix, syllables in _PY_SUFFIX.items():
            if suffix.endswith(zh_suffix):
                add(py, d.pinyin + syllables, d)
    return _Index(
        {k: tuple(v) for k, v in zh.items()},
        {k: tuple(v) for k, v in en.items()},
        {k: tuple(v) for k, v in py.items()},
    )


def _fits(d: Division, level: Level, within: str | None) -> bool:
    ok = (d.level == "county" or d.code in childless_prefectures()) if level == "county" else d.level == level
    return ok and (within is None or d.within(within))


def _by_code(text: str) -> Division | None:
    digits = clean(text)
    if not digits.isdigit():
        return None
    if len(digits) in (9, 12) and digits[6:].strip("0") == "":
        digits = digits[:6]
    if len(digits) == 2:
        digits += "0000"
    elif len(digits) == 4:
        digits += "00"
    return division(digits) if len(digits) == 6 else None


def _lookup(text: str, level: Level, within: str | None) -> list[Division]:
    """Exact matches, trying Chinese names, then English, then pinyin; the first tier that hits wins."""
    d = _by_code(text)
    if d is not None:
        return [d] if _fits(d, level, within) else []
    idx = _index()
    key = clean(text)
    if _CJK.search(key):
        variants = [key]
        stripped = _strip_zh(key)
        if stripped:
            variants.append(stripped)
        tiers = [idx.zh]
    else:
        variants = _latin_variants(text)
        tiers = [idx.en, idx.py]
    for tier in tiers:
        for v in variants:
            hits = [d for d in tier.get(v, ()) if _fits(d, level, within)]
            if hits:
                return hits
    return []


def path(d: Division) -> str:
    """Where a division lies, in Chinese: 贵州省黔南布依族苗族自治州."""
    parts = []
    province = division(d.province_code)
    if province and province is not d:
        parts.append(province.name)
    pref = d.prefecture_code
    if d.level == "county" and pref and (p := division(pref)):
        parts.append(p.name)
    return "".join(parts)


def label(d: Division) -> str:
    """A division as suggestions show it: 惠水县 Huishui County (贵州省黔南布依族苗族自治州, 522731)."""
    where = path(d)
    return f"{d.name} {d.en} ({where + ', ' if where else ''}{d.code})"


class PlaceError(ValueError):
    """An input that names no division, several, or one outside the given province."""

    def __init__(
        self,
        kind: Level,
        text: str,
        reason: Reason,
        suggestions: list[Division],
        within: Division | None = None,
    ) -> None:
        self.kind = kind
        self.text = text
        self.reason = reason
        self.suggestions = suggestions
        self.within = within
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Chinese first, English beside it, with the closest matches."""
        zh_kind, kind = KIND_ZH[self.kind], self.kind
        listed = "; ".join(label(d) for d in self.suggestions)
        if self.reason == "ambiguous":
            return (
                f"「{self.text}」对应多个{zh_kind}，请同时填写省份，或写成「地市名+县区名」 / "
                f"{self.text!r} names {len(self.suggestions)} {KIND_PLURAL[kind]}: give the province or "
                f"write the prefecture before it: {listed}"
            )
        if self.reason == "outside" and self.within is not None:
            return (
                f"{zh_kind}「{self.text}」不在{self.within.name}，而在别处 / {kind} {self.text!r} is not in "
                f"{self.within.en}: {listed}"
            )
        scope = f"（{self.within.name}）" if self.within else ""
        scope_en = f" in {self.within.en}" if self.within else ""
        return (
            f"未知的{zh_kind}「{self.text}」{scope}，最接近的是 / unknown {kind} {self.text!r}{scope_en}; "
            f"closest matches: {listed or '—'}"
        )


_Choices = tuple[tuple[Division, ...], list[str], list[int]]


@lru_cache(maxsize=256)
def _choices(level: Level, within: str | None, cjk: bool) -> _Choices:
    """The divisions a suggestion may name and their spellings (built once per scope)."""
    pool = tuple(d for d in table() if _fits(d, level, within))
    names: list[str] = []
    owners: list[int] = []
    for i, d in enumerate(pool):
        spellings = [clean(d.name), clean(d.short)] if cjk else [d.pinyin, *_latin_variants(d.en)]
        names += spellings
        owners += [i] * len(spellings)
    return pool, names, owners


def closest(text: str, level: Level, within: str | None = None, limit: int = SUGGESTIONS) -> list[Division]:
    """The divisions whose names are nearest to text (rapidfuzz), for an error's suggestions."""
    key = clean(text)
    pool, names, owners = _choices(level, within, bool(_CJK.search(key)))
    found = process.extract(key, names, scorer=fuzz.ratio, limit=limit * 4)
    out: list[Division] = []
    for _, score, j in found:
        d = pool[owners[j]]
        if d not in out and (score >= 40 or len(out) < 3):
            out.append(d)
    return out[:limit]


@lru_cache(maxsize=8192)
def _resolve(text: str, level: Level, within: str | None) -> Division | PlaceError:
    hits = _lookup(text, level, within)
    if not hits and level == "county" and _CJK.search(text):
        hits = _with_prefix(clean(text), within)
    if len(hits) == 1:
        return hits[0]
    scope = division(within) if within else None
    if hits:
        return PlaceError(level, text, "ambiguous", hits[:10], scope)
    elsewhere = _lookup(text, level, None) if within else []
    if elsewhere:
        return PlaceError(level, text, "outside", elsewhere[:10], scope)
    return PlaceError(level, text, "unknown", closest(text, level, within), scope)


_SCOPES: tuple[Level, ...] = ("prefecture", "province")


def _with_prefix(key: str, within: str | None) -> list[Division]:
    """A county written after its province or prefecture: 黔南州惠水县, 阳泉市城区."""
    for cut in range(2, len(key) - 1):
        head, rest = key[:cut], key[cut:]
        for level in _SCOPES:
            scopes = _lookup(head, level, within)
            if len(scopes) == 1:
                hits = _lookup(rest, "county", scopes[0].code) or _with_prefix(rest, scopes[0].code)
                if hits:
                    return hits
    return []


def resolve(text: str, level: Level, within: str | None = None) -> Division:
    """The one division of this level (inside the division coded within) that text names, else PlaceError."""
    got = _resolve(text.strip(), level, within)
    if isinstance(got, PlaceError):
        raise got
    return got


def province(text: str) -> Division:
    """The province text names: 贵州, 贵州省, Guizhou, guizhou, 52, 520000."""
    return resolve(text, "province")


def prefecture(text: str, within: str | None = None) -> Division:
    """The prefecture-level division text names (黔南, 黔南州, Qiannan), optionally inside a province."""
    return resolve(text, "prefecture", within)


def county(text: str, within: str | None = None) -> Division:
    """The county-level division text names, inside a province or prefecture when given."""
    return resolve(text, "county", within)


def code_or_none(text: str | None, level: Level, within: str | None = None) -> str | None:
    """Best-effort code for stored or legacy text (backfills, old events); None when it names no one place."""
    if not text or not text.strip():
        return None
    got = _resolve(text.strip(), level, within)
    return None if isinstance(got, PlaceError) else got.code
