"""The normaliser's shortcuts give what the long way gives, on the shipped vocabulary."""

from __future__ import annotations

import random

import pytest
from anju_taxonomy import Vocabulary, default_vocabulary
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
