"""The normaliser's shortcuts give what the long way gives, on the shipped vocabulary."""

from __future__ import annotations

import gc
import inspect
import random
import re
import weakref
from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest
from anju_taxonomy import Level, Reading, TradeHit, Vocabulary, default_vocabulary, load
from anju_taxonomy.details import trailing_years
from anju_taxonomy.lexicon import COMPOUND, COMPOUND_MARK, COMPOUND_YEARS, SPLIT, SPLIT_AT
from anju_taxonomy.model import reading, trade_hit
from rapidfuzz import fuzz, process


@pytest.fixture(scope="module")
def v() -> Vocabulary:
    return default_vocabulary()


def _edited(names: list[str], n: int, seed: int) -> set[str]:
    """Names with a character replaced, inserted, dropped, or the characters shuffled."""
    rnd = random.Random(seed)
    chars = sorted({c for k in names for c in k})
    out = set()
    for _ in range(n):
        k = list(rnd.choice(names))
        i = rnd.randrange(len(k))
        op = rnd.randrange(4)
        if op == 0:
            k[i] = rnd.choice(chars)
        elif op == 1:
            k.insert(i, rnd.choice(chars))
        elif op == 2 and len(k) > 4:
            del k[i]
        else:
            rnd.shuffle(k)
        out.add("".join(k))
    return {k for k in out if len(k) >= 4}


def test_fuzzy_candidates_lose_no_name_that_could_score(v: Vocabulary) -> None:
    names = [k for k in v.exact if len(k) >= 3 and all("\u3400" <= c <= "\u9fff" for c in k)]
    keys = sorted(_edited(names, 3000, seed=5))
    found = 0
    for key in keys:
        full = process.extractOne(key, v._han_near.get(len(key), []), scorer=fuzz.ratio, score_cutoff=80)
        short = process.extractOne(key, v._han_candidates(key), scorer=fuzz.ratio, score_cutoff=80)
        assert (short and short[:2]) == (full and full[:2]), key
        found += full is not None
    assert found > len(keys) // 3


def test_hits_and_readings_built_by_their_slots_equal_the_dataclasses() -> None:
    level = Level(rank=3, zh="高级", grade=3)
    hit_values = ("welder", "焊工", "welder", 0.9, "电焊", "part", ("x",), "甲", "a", 3.0, level, True)
    assert [p for p in inspect.signature(trade_hit).parameters] == [f.name for f in fields(TradeHit)]
    built, made = trade_hit(*hit_values), TradeHit(*hit_values)
    assert (built, repr(built), hash(built)) == (made, repr(made), hash(made))
    reading_values = ("电焊3年", (made,), (), 3.0, level, ("某",), ("construction",))
    assert [p for p in inspect.signature(reading).parameters] == [f.name for f in fields(Reading)]
    got, want = reading(*reading_values), Reading(*reading_values)
    assert (got, repr(got), hash(got)) == (want, repr(want), hash(want))
    with pytest.raises(FrozenInstanceError):
        got.years = 1.0  # type: ignore[misc]


def test_splitting_on_white_space_cuts_where_the_regex_did() -> None:
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        s = f"{c}a{c}{c}b {c}"
        assert " ".join(s.split()) == re.sub(r"\s+", " ", s).strip(), hex(code)


def test_trailing_years_are_the_digits_before_the_last_year_sign() -> None:
    for part, want in [
        ("普工12年", (12.0, "普工")),
        ("普工 12年", None),
        ("12年", None),
        ("普工年", None),
        ("普工1.5年", None),
        ("普工３年", None),  # not ASCII (clean() makes it so before)
        ("普工(3)12年", None),
        ("经验12年", None),
        ("普工1年12年", None),
        ("a0b007年", (7.0, "a0b")),
    ]:
        assert trailing_years(part) == want, part


def test_the_one_class_prechecks_find_what_the_separator_regexes_find() -> None:
    rnd = random.Random(1)
    alphabet = "、，,;；/／|+＋&\n\t。!！?？（()）【】[]〔〕 年个月1２3焊工and or 和a\u3000\u00a0"
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12))) for _ in range(20_000)]
    for t in texts:
        assert bool(COMPOUND.search(t)) == bool(COMPOUND_MARK.search(t) or COMPOUND_YEARS.search(t)), t
        assert SPLIT_AT.search(t) or SPLIT.split(t) == [t], t


def test_a_vocabulary_no_longer_used_is_freed_though_its_index_was_frozen() -> None:
    v = Vocabulary(load(Path(__file__).resolve().parent / "fixtures"))
    v.read("电焊3年、普工（熟练）")
    gone = weakref.ref(v)
    gc.disable()
    try:
        del v
        assert gone() is None  # by reference counting: the index holds no cycles the collector would miss
    finally:
        gc.enable()
