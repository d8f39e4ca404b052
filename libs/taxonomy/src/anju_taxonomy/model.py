"""What the vocabulary holds (trades, occupations, certificates) and what reading a string gives back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

LEVEL_ZH = {1: "初级", 2: "中级", 3: "高级", 4: "技师", 5: "高级技师"}
LEVEL_EN = {
    1: "entry (grade 5)",
    2: "intermediate (grade 4)",
    3: "senior (grade 3)",
    4: "technician",
    5: "senior technician",
}


@dataclass(frozen=True, slots=True)
class Relation:
    """A neighbouring trade and the partial credit it earns, with the reason in Chinese and English."""

    id: str
    credit: float
    why_zh: str
    why_en: str


@dataclass(frozen=True, slots=True)
class Trade:
    """A trade as resettlement sites write it, under one or more occupations of the classification."""

    id: str
    zh: str
    en: str
    sector: str
    codes: tuple[str, ...]
    aliases: tuple[str, ...]
    regional: tuple[tuple[str, str], ...]  # (alias, region)
    entry_level: bool
    licences: tuple[str, ...]
    related: tuple[Relation, ...]


@dataclass(frozen=True, slots=True)
class Occupation:
    """One entry of the 2022 national occupational classification, with the path above it."""

    code: str
    level: int
    name: str
    parent_code: str | None
    path: tuple[tuple[str, str], ...]  # (code, name) from the top category down to this entry
    trades: tuple[str, ...]
    children: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Certificate:
    """A licence or certificate a trade may legally need, and the course that leads to it."""

    id: str
    zh: str
    en: str
    aliases: tuple[str, ...]
    issuer_zh: str
    course_zh: str
    course_en: str
    mandatory: bool = True  # the law requires it for the job (false: a skill certificate people mention)


@dataclass(frozen=True, slots=True)
class Sector:
    """A sector trades belong to."""

    id: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """An alias that means different trades in different workplaces (车工: sewing or lathe)."""

    alias: str
    trades: tuple[str, ...]
    hint_zh: str


@dataclass(frozen=True, slots=True)
class Level:
    """A skill level: rank 1 (初级, national grade 5) .. 5 (高级技师, grade 1); 熟练 is rank 2."""

    rank: int
    zh: str
    grade: int | None = None  # national 职业技能等级 (5 = 初级 .. 1 = 高级技师) when one was written

    @property
    def en(self) -> str:
        """English name of the level."""
        return LEVEL_EN.get(self.rank, str(self.rank)) if self.zh in LEVEL_ZH.values() else "skilled"


@dataclass(frozen=True, slots=True)
class Context:
    """What else is known where a string was written: the other skills, the employer, the sector."""

    skills: tuple[str, ...] = ()
    sector: str | None = None
    employer_name: str | None = None
    employer_kind: str | None = None


@dataclass(frozen=True, slots=True)
class TradeHit:
    """One trade read from a string: how it was found and how sure the engine is."""

    trade_id: str
    zh: str
    en: str
    confidence: float
    alias: str  # the part of the text that was matched
    # exact | variant | english | pinyin | homophone | initials | fuzzy | part | certificate | alias
    # | context (an ambiguous name the context decided) | ambiguous (it could not)
    how: str
    alternatives: tuple[str, ...] = ()  # other trades the alias can mean (ambiguous names)
    reason_zh: str = ""
    reason_en: str = ""
    years: float | None = None
    level: Level | None = None
    certified: bool = False


@dataclass(frozen=True, slots=True)
class CertificateHit:
    """A certificate named in a string."""

    certificate_id: str
    zh: str
    en: str
    alias: str


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything the engine read from one string; `unknown` keeps what it did not understand."""

    text: str
    trades: tuple[TradeHit, ...] = ()
    certificates: tuple[CertificateHit, ...] = ()
    years: float | None = None
    level: Level | None = None
    unknown: tuple[str, ...] = ()
    context_sectors: tuple[str, ...] = field(default=())

    @property
    def trade_ids(self) -> tuple[str, ...]:
        """The trades read, best first."""
        return tuple(h.trade_id for h in self.trades)

    @property
    def understood(self) -> bool:
        """True when at least one trade or certificate was read."""
        return bool(self.trades or self.certificates)


@dataclass(frozen=True, slots=True)
class Credit:
    """How far one trade covers another: 1.0 same, partial for neighbours, 0 otherwise, and why."""

    score: float
    kind: str  # same | neighbour | different | unknown
    reason_zh: str
    reason_en: str
    a: str | None = None  # the trade read on each side
    b: str | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    """One autocomplete suggestion."""

    trade_id: str
    zh: str
    en: str
    matched: str
    how: str  # zh | pinyin | initials | en


def _slot_setters(cls: type) -> tuple[Callable[[object, object], None], ...]:
    """The slot descriptors' setters of a dataclass with slots, in field order."""
    return tuple(getattr(cls, f.name).__set__ for f in fields(cls))


# A frozen dataclass's __init__ sets each field through object.__setattr__, about half of what building a
# reading costs; the readers build their hits and readings by the slots instead (the same objects).
def _hit_builder() -> Callable[..., TradeHit]:
    """trade_hit(...): TradeHit(...) with every field given, built by its slots."""
    new = object.__new__
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11 = _slot_setters(TradeHit)

    def trade_hit(
        trade_id: str,
        zh: str,
        en: str,
        confidence: float,
        alias: str,
        how: str,
        alternatives: tuple[str, ...],
        reason_zh: str,
        reason_en: str,
        years: float | None,
        level: Level | None,
        certified: bool,
    ) -> TradeHit:
        hit: TradeHit = new(TradeHit)
        s0(hit, trade_id)
        s1(hit, zh)
        s2(hit, en)
        s3(hit, confidence)
        s4(hit, alias)
        s5(hit, how)
        s6(hit, alternatives)
        s7(hit, reason_zh)
        s8(hit, reason_en)
        s9(hit, years)
        s10(hit, level)
        s11(hit, certified)
        return hit

    return trade_hit


def _reading_builder() -> Callable[..., Reading]:
    """reading(...): Reading(...) with every field given, built by its slots."""
    new = object.__new__
    s0, s1, s2, s3, s4, s5, s6 = _slot_setters(Reading)

    def reading(
        text: str,
        trades: tuple[TradeHit, ...],
        certificates: tuple[CertificateHit, ...],
        years: float | None,
        level: Level | None,
        unknown: tuple[str, ...],
        context_sectors: tuple[str, ...],
    ) -> Reading:
        r: Reading = new(Reading)
        s0(r, text)
        s1(r, trades)
        s2(r, certificates)
        s3(r, years)
        s4(r, level)
        s5(r, unknown)
        s6(r, context_sectors)
        return r

    return reading


trade_hit = _hit_builder()
reading = _reading_builder()
