"""The labelled pairs kept in tests/taxonomy/data/pairs.tsv and how the vocabulary does on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from anju_taxonomy import Context, Vocabulary

PAIRS_FILE = Path(__file__).resolve().parents[2] / "tests" / "taxonomy" / "data" / "pairs.tsv"
# Pairs written alongside the 2026-12-01 data work (not held out from it; see its header).
EXTRA_PAIRS_FILE = PAIRS_FILE.with_name("pairs_extra.tsv")
# The sector column of the pairs, as words an office would write (the vocabulary maps them to its sectors).
SECTOR_WORDS = {
    "machinery": "工程机械",
    "machining": "机械加工",
    "decoration": "装修",
    "construction": "建筑",
    "catering": "餐饮",
    "care": "照护",
    "beauty": "美容美发",
    "repair": "维修",
    "agriculture": "农业",
    "transport": "交通运输",
    "public_welfare": "公益岗位",
    "garment": "服装",
    "electronics": "电子",
    "logistics": "物流",
    "domestic": "家政",
}


@dataclass(frozen=True)
class Pair:
    """One labelled pair."""

    worker: str
    job: str
    label: str  # same | neighbour | different
    sector: str


@dataclass
class Scores:
    """What the vocabulary made of the pairs."""

    counts: dict[str, int] = field(default_factory=dict)
    same_hit: int = 0
    neighbour_credit: list[float] = field(default_factory=list)
    misses: list[tuple[Pair, str]] = field(default_factory=list)
    confusions: list[tuple[Pair, float, str]] = field(default_factory=list)
    unknown_entries: set[str] = field(default_factory=set)

    @property
    def recall(self) -> float:
        """Share of same-trade pairs scored 1.0."""
        return self.same_hit / max(self.counts.get("same", 0), 1)

    @property
    def neighbour_mean(self) -> float:
        """Mean credit over neighbouring pairs."""
        return sum(self.neighbour_credit) / max(len(self.neighbour_credit), 1)

    @property
    def neighbour_partial(self) -> float:
        """Share of neighbouring pairs that got partial (0 < credit < 1) credit."""
        return sum(0 < c < 1 for c in self.neighbour_credit) / max(len(self.neighbour_credit), 1)


def load_pairs(path: Path = PAIRS_FILE) -> list[Pair]:
    """The pairs of the file (comment lines start with #)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        worker, job, label, sector = (x.strip() for x in line.split("\t"))
        if label not in ("same", "neighbour", "different"):
            raise ValueError(f"bad label {label!r} in {line!r}")
        out.append(Pair(worker, job, label, sector))
    return out


def context_of(pair: Pair) -> Context:
    """The sector the pair was written in, as context."""
    return Context(sector=SECTOR_WORDS.get(pair.sector, pair.sector))


def score(vocab: Vocabulary, pairs: list[Pair]) -> Scores:
    """Similarity of every pair against its label."""
    s = Scores()
    for p in pairs:
        s.counts[p.label] = s.counts.get(p.label, 0) + 1
        ctx = context_of(p)
        ra, rb = vocab.read(p.worker, ctx), vocab.read(p.job, ctx)
        for r in (ra, rb):
            if not r.trades:
                s.unknown_entries.add(r.text)
        credit = vocab.similarity(ra, rb)
        if p.label == "same":
            if credit.score >= 1.0:
                s.same_hit += 1
            else:
                s.misses.append((p, credit.reason_zh))
        elif p.label == "neighbour":
            s.neighbour_credit.append(credit.score)
        elif credit.score > 0:
            s.confusions.append((p, credit.score, credit.reason_zh))
    return s
