"""Vocabulary benchmark (not part of the test suite).

    .venv/bin/python -m bench.taxonomy            # pairs + throughput
    .venv/bin/python -m bench.taxonomy --list     # also print every miss and confusion

Scores the labelled pairs of tests/taxonomy/data/pairs.tsv (same-trade recall, neighbour credit,
different-trade confusions) with the shipped vocabulary, then measures how many entries per second
`read()` normalises: cold (every string new, the reading cache empty) and warm (the cache the services keep).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from typing import Any

from anju_common import collector
from anju_taxonomy import Vocabulary, default_vocabulary, load
from anju_taxonomy.loader import DATA_DIR

from bench.taxonomy.labelled import EXTRA_PAIRS_FILE, load_pairs, score

DECORATIONS = [
    "",
    "3年",
    "（熟练）",
    "师傅",
    "，有证",
    "5年经验",
    "中级",
    "做过",
    "会",
    "、普工",
    "(2级)",
    "两年半",
]


def entries(n: int, seed: int) -> list[str]:
    """n distinct entries as offices write them: pair entries with years, levels and prefixes mixed in."""
    base = sorted({x for p in load_pairs() for x in (p.worker, p.job)})
    rnd = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        a = rnd.choice(base)
        deco = rnd.choice(DECORATIONS)
        text = deco + a if deco in ("做过", "会") else a + deco
        if rnd.random() < 0.3:
            text += "、" + rnd.choice(base)
        if rnd.random() < 0.5:
            text += f"{rnd.randint(1, 30)}年"
        out.add(text)
    return sorted(out)


def throughput(texts: list[str], rounds: int) -> dict[str, Any]:
    """Entries per second, cold (fresh vocabulary cache) and warm."""
    cold, cold_cpu = [], []
    for _ in range(rounds):
        vocab = Vocabulary(load(DATA_DIR))
        c = time.process_time()
        t = time.perf_counter()
        for x in texts:
            vocab.read(x)
        cold.append(len(texts) / (time.perf_counter() - t))
        cold_cpu.append(len(texts) / (time.process_time() - c))
    t = time.perf_counter()
    for x in texts:
        vocab.read(x)
    warm = len(texts) / (time.perf_counter() - t)
    t = time.perf_counter()
    build = Vocabulary(load(DATA_DIR))
    build_s = time.perf_counter() - t
    return {
        "entries": len(texts),
        "cold_entries_per_s": round(statistics.median(cold)),
        "cold_entries_per_cpu_s": round(statistics.median(cold_cpu)),
        "load_average": os.getloadavg(),
        "warm_entries_per_s": round(warm),
        "vocabulary_build_s": round(build_s, 3),
        "trades": len(build.trades),
    }


def main() -> None:
    """Run everything and print JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--entries", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--list", action="store_true", help="print every miss and confusion")
    args = ap.parse_args()
    collector.tune()  # as every service process runs (anju_common.cli)
    vocab = default_vocabulary()
    pairs = load_pairs()
    s = score(vocab, pairs)
    result: dict[str, Any] = {
        "python": platform.python_version(),
        "pairs": len(pairs),
        "labels": s.counts,
        "same_recall": round(s.recall, 4),
        "same_missed": len(s.misses),
        "neighbour_mean_credit": round(s.neighbour_mean, 3),
        "neighbour_partial_share": round(s.neighbour_partial, 3),
        "neighbour_zero": sum(c == 0 for c in s.neighbour_credit),
        "different_confusions": len(s.confusions),
        "entries_not_understood": len(s.unknown_entries),
    }
    extra_pairs = load_pairs(EXTRA_PAIRS_FILE)
    extra = score(vocab, extra_pairs)
    result["extra_set"] = {
        "pairs": len(extra_pairs),
        "labels": extra.counts,
        "same_recall": round(extra.recall, 4),
        "different_confusions": len(extra.confusions),
        "misses": [f"{p.worker} | {p.job} ({p.sector})" for p, _ in extra.misses],
    }
    result.update(throughput(entries(args.entries, args.seed), args.rounds))
    if args.list:
        result["misses"] = [f"{p.worker} | {p.job} ({p.sector}): {why}" for p, why in s.misses]
        result["confusions"] = [f"{p.worker} | {p.job} ({p.sector}): {c} {why}" for p, c, why in s.confusions]
        result["not_understood"] = sorted(s.unknown_entries)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
