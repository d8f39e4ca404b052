"""Turn free-text skills and physical terms into canonical ids: exact alias, pinyin, then rapidfuzz."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

from matching.engine.taxonomy import Taxonomy

_LEVEL_NOISE = re.compile(r"[（(【\[].*?[）)】\]]|[0-9一二三四五]级|初级|中级|高级|熟练|熟手|师傅|学徒|经验")
_PUNCT = re.compile(r"[\s/、,，;；:：·.\-_'\"]+")
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")
_ASCII_WORD = re.compile(r"^[a-z ]+$")


def clean(text: str) -> str:
    """Canonical spelling of a term: NFKC, lower case, no brackets, grades or punctuation."""
    value = unicodedata.normalize("NFKC", text).strip().lower()
    stripped = _LEVEL_NOISE.sub("", value)
    value = stripped if stripped.strip() else value
    return _PUNCT.sub(" ", value).strip()


def pinyin_key(text: str) -> str:
    """Toneless pinyin without spaces: 缝纫工 and 'feng ren gong' both give 'fengrengong'."""
    if _HAS_HAN.search(text):
        return "".join(lazy_pinyin(text)).replace(" ", "")
    return text.replace(" ", "") if _ASCII_WORD.match(text) else ""


@dataclass(frozen=True, slots=True)
class Normalised:
    """A term after normalisation: the canonical id when one was found, and the cleaned text."""

    id: str | None
    text: str
    how: str  # exact | pinyin | fuzzy | none


class _Vocabulary:
    """Exact, pinyin and fuzzy lookup over one set of names."""

    def __init__(self, names: dict[str, list[str]], cutoff: float) -> None:
        self.cutoff = cutoff
        self.exact: dict[str, str] = {}
        self.pinyin: dict[str, str] = {}
        choices: dict[str, str] = {}
        for ident, words in names.items():
            for word in words:
                key = clean(word)
                if not key:
                    continue
                self.exact.setdefault(key, ident)
                self.exact.setdefault(key.replace(" ", ""), ident)
                choices.setdefault(key, ident)
                py = pinyin_key(key)
                if len(py) >= 4:
                    self.pinyin.setdefault(py, ident)
        self.choices = list(choices)
        self.choice_ids = [choices[c] for c in self.choices]
        self._cache: dict[str, Normalised] = {}

    def lookup(self, text: str) -> Normalised:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        result = self._lookup(clean(text))
        if len(self._cache) < 100_000:
            self._cache[text] = result
        return result

    def _lookup(self, key: str) -> Normalised:
        if not key:
            return Normalised(None, key, "none")
        hit = self.exact.get(key) or self.exact.get(key.replace(" ", ""))
        if hit:
            return Normalised(hit, key, "exact")
        py = pinyin_key(key)
        if len(py) >= 4 and py in self.pinyin:
            return Normalised(self.pinyin[py], key, "pinyin")
        # Single characters match too much by accident; they stay free text.
        if len(key.replace(" ", "")) < 2:
            return Normalised(None, key, "none")
        if _HAS_HAN.search(key):
            best = process.extractOne(key, self.choices, scorer=fuzz.ratio, score_cutoff=self.cutoff)
            return (
                Normalised(self.choice_ids[best[2]], key, "fuzzy") if best else Normalised(None, key, "none")
            )
        # English: same words reordered or plural; one shared generic word ("machine") is not enough.
        close = [
            (fuzz.ratio(key, choice), idx)
            for choice, _, idx in process.extract(
                key, self.choices, scorer=fuzz.token_set_ratio, score_cutoff=90, limit=10
            )
            if min(len(key), len(choice)) / max(len(key), len(choice)) >= 0.6
        ]
        if close:
            return Normalised(self.choice_ids[max(close)[1]], key, "fuzzy")
        best = process.extractOne(key, self.choices, scorer=fuzz.ratio, score_cutoff=88)
        return Normalised(self.choice_ids[best[2]], key, "fuzzy") if best else Normalised(None, key, "none")


class Normaliser:
    """Normalises skills and physical terms against a taxonomy; results are cached per input."""

    def __init__(self, taxonomy: Taxonomy, cutoff: float = 80.0) -> None:
        self.taxonomy = taxonomy
        self.cutoff = cutoff
        self._skills = _Vocabulary(
            {s.id: [s.zh, s.en, s.id.replace("_", " "), *s.aliases] for s in taxonomy.skills.values()}, cutoff
        )
        self._physical = _Vocabulary(
            {p.id: [p.zh, p.en, p.id.replace("_", " "), *p.aliases] for p in taxonomy.physical.values()},
            cutoff,
        )

    def skill(self, text: str) -> Normalised:
        """A skill as written by an office or employer -> canonical id (or free text)."""
        return self._skills.lookup(text)

    def physical(self, text: str) -> str:
        """A physical requirement or limitation -> canonical id, else its cleaned text."""
        hit = self._physical.lookup(text)
        return hit.id or hit.text
