"""Place normaliser benchmark (not part of the test suite).

    .venv/bin/python -m bench.places

Measures, in one fresh process: loading the division table and building the index (the first call), then
resolving spellings as the API sees them — warm (the same inputs again: lru-cached) and cold (every
county of the table in four spellings, first time each) — and the cost of a rejected input (rapidfuzz
suggestions over the province's counties or the whole country).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from anju_common import places
from anju_common.places import PlaceError


def _per_call_us(fn: Callable[[str, str | None], object], inputs: Sequence[tuple[str, str | None]]) -> float:
    start = time.perf_counter()
    for text, within in inputs:
        with contextlib.suppress(PlaceError):
            fn(text, within)
    return (time.perf_counter() - start) / len(inputs) * 1e6


def main() -> None:
    """Print one JSON line of results."""
    t0 = time.perf_counter()
    places.province("贵州")
    first_ms = (time.perf_counter() - t0) * 1e3
    counties = places.divisions("county")
    cold = [(d.name, d.province_code) for d in counties]
    cold += [(d.short, d.province_code) for d in counties]
    cold += [(d.en, d.province_code) for d in counties]
    cold += [(d.pinyin.upper(), d.province_code) for d in counties]
    cold_us = _per_call_us(places.county, cold)
    warm_us = statistics.median(_per_call_us(places.county, cold[:2000]) for _ in range(5))
    typo_in_province = [(d.name + "x", d.province_code) for d in counties[:200]]
    typo_national = [(d.name + "x", None) for d in counties[:50]]
    result = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "load_average": os.getloadavg()[0],
        "divisions": len(places.table().by_code),
        "first_call_ms": round(first_ms, 1),
        "resolve_cold_us": round(cold_us, 1),
        "resolve_warm_us": round(warm_us, 2),
        "rejected_in_province_us": round(_per_call_us(places.county, typo_in_province), 1),
        "rejected_nationwide_us": round(_per_call_us(places.county, typo_national), 1),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
