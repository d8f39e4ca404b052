"""The words offices write: occupations, trades, certificates, and the normaliser that reads them.

from anju_taxonomy import read, similarity, autocomplete
read("电子厂普工3年").trades[0].zh        # 普工, years 3.0
similarity("平车工", "缝纫工").score       # 1.0
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from anju_taxonomy.loader import DATA_DIR, Data, DataError, PhysicalTerm, load
from anju_taxonomy.model import (
    Certificate,
    CertificateHit,
    Completion,
    Context,
    Credit,
    Level,
    Occupation,
    Reading,
    Relation,
    Sector,
    Trade,
    TradeHit,
)
from anju_taxonomy.text import clean
from anju_taxonomy.vocabulary import Vocabulary

__all__ = [
    "DATA_DIR",
    "Certificate",
    "CertificateHit",
    "Completion",
    "Context",
    "Credit",
    "Data",
    "DataError",
    "Level",
    "Occupation",
    "PhysicalTerm",
    "Reading",
    "Relation",
    "Sector",
    "Trade",
    "TradeHit",
    "Vocabulary",
    "autocomplete",
    "certificate",
    "clean",
    "default_vocabulary",
    "load",
    "occupation",
    "read",
    "similarity",
    "trade",
    "vocabulary_at",
]


@lru_cache(maxsize=4)
def vocabulary_at(data_dir: Path) -> Vocabulary:
    """The vocabulary of one data directory, built once per process."""
    return Vocabulary(load(data_dir))


def default_vocabulary() -> Vocabulary:
    """The vocabulary shipped with the package (built on first use, then cached)."""
    return vocabulary_at(DATA_DIR)


def read(text: str, context: Context | None = None) -> Reading:
    """What one string says: trades, years, level, certificates, and what stayed unknown."""
    return default_vocabulary().read(text, context)


def similarity(a: str | Reading, b: str | Reading, context: Context | None = None) -> Credit:
    """How far a covers b (1.0 same trade, partial for neighbours, 0 otherwise) and why."""
    return default_vocabulary().similarity(a, b, context)


def autocomplete(q: str, limit: int = 10) -> list[Completion]:
    """Trades for a prefix in Chinese, toneless pinyin, initials or English."""
    return default_vocabulary().autocomplete(q, limit)


def trade(trade_id: str) -> Trade | None:
    """A trade by id."""
    return default_vocabulary().trade(trade_id)


def occupation(code: str) -> Occupation | None:
    """An occupation with its hierarchy and trades."""
    return default_vocabulary().occupation(code)


def certificate(certificate_id: str) -> Certificate | None:
    """A certificate by id."""
    return default_vocabulary().certificate(certificate_id)
