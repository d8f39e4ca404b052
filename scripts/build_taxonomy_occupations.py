"""Rebuild the taxonomy's occupations.tsv from a downloaded JobE occupations.jsonl (offline, no network)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "libs" / "taxonomy" / "src" / "anju_taxonomy" / "data"
OUT = DATA / "occupations.tsv"
LEVELS = ("major", "mid", "small", "occupation")
OFFICIAL_OCCUPATIONS = 1639
COLUMNS = ("code", "level", "name", "parent_code")
# Table-of-contents residue in the source names: a run of dot leaders, then the page number.
_RESIDUE = re.compile(r"[…⋯.．·]{2,}\s*\d*\s*$")
_CODE = re.compile(r"^\d(-\d{2}){0,3}$")


@dataclass(frozen=True, slots=True)
class Occupation:
    """One row of the classification: an occupation or a group above it."""

    code: str
    level: str
    name: str
    parent_code: str


def clean_name(name: str) -> str:
    """The name without dot leaders, page numbers or surrounding blanks."""
    return _RESIDUE.sub("", name).strip()


def read_jsonl(lines: Iterable[str]) -> Iterator[Occupation]:
    """The classification rows of a JobE occupations.jsonl (meta and job-type rows are skipped)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        raw = json.loads(line)
        level = raw.get("level")
        if level not in LEVELS:
            continue
        code = str(raw["code"])
        if not _CODE.match(code) or len(code.split("-")) != LEVELS.index(level) + 1:
            raise ValueError(f"line {number}: code {code!r} does not fit level {level!r}")
        yield Occupation(code, level, clean_name(str(raw["name"])), str(raw.get("parent_code") or ""))


def check(rows: list[Occupation]) -> None:
    """Raise if codes repeat or a parent is missing."""
    codes = Counter(r.code for r in rows)
    repeated = sorted(c for c, n in codes.items() if n > 1)
    if repeated:
        raise ValueError(f"repeated codes: {', '.join(repeated[:10])}")
    orphans = [r.code for r in rows if r.parent_code and r.parent_code not in codes]
    if orphans:
        raise ValueError(f"rows whose parent is missing: {', '.join(orphans[:10])}")


def render(rows: list[Occupation], source: str = "kangvcar/JobE ontology/data/occupations.jsonl") -> str:
    """The TSV text: a # header with source, licence and counts, the column names, then one row per line."""
    check(rows)
    counts = Counter(r.level for r in rows)
    header = [
        "# 中华人民共和国职业分类大典（2022年版）",
        "#   National Occupational Classification of China, 2022 edition",
        f"# Source: {source} (https://github.com/kangvcar/JobE),",
        "#   the text of the 2022 public-comment draft (公示稿).",
        "# Licence: CC BY 4.0. Credit: JobE (kangvcar) for the structured data; the classification itself is",
        "#   published by the Ministry of Human Resources and Social Security (facts only: codes, names).",
        f"# Occupations: {counts['occupation']} in this source; the official 2022 edition has"
        f" {OFFICIAL_OCCUPATIONS} (those added after the draft are not in the source).",
        f"# Rows: {counts['major']} major, {counts['mid']} mid, {counts['small']} small,"
        f" {counts['occupation']} occupation. Job types (工种) below occupations are left out.",
        "# Names are stripped of the table-of-contents dot leaders and page numbers of the source.",
        "# Rebuild: python scripts/build_taxonomy_occupations.py PATH/TO/occupations.jsonl",
    ]
    body = ["\t".join(COLUMNS)] + ["\t".join((r.code, r.level, r.name, r.parent_code)) for r in rows]
    return "\n".join(header + body) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Read the JSONL given on the command line and write the TSV."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("jsonl", type=Path, help="a downloaded copy of JobE ontology/data/occupations.jsonl")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args(argv)
    with args.jsonl.open(encoding="utf-8") as handle:
        rows = list(read_jsonl(handle))
    args.out.write_text(render(rows), encoding="utf-8")
    occupations = sum(1 for r in rows if r.level == "occupation")
    print(f"wrote {args.out}: {len(rows)} rows, {occupations} occupations", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
