"""HTTP routes of the vocabulary (read only): autocomplete, what a string reads as, occupations."""

from __future__ import annotations

from typing import Annotated

from anju_common.deps import PrincipalDep
from anju_common.errors import NotFoundError
from anju_taxonomy import Reading, TradeHit
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from matching.routes import StateDep

router = APIRouter(prefix="/api/v1/taxonomy", tags=["taxonomy"])


class TradeSuggestion(BaseModel):
    """A trade offered for what was typed."""

    trade_id: str
    zh: str
    en: str
    matched: str = Field(description="the name or alias that matched")
    how: str = Field(description="zh | pinyin | initials | en")


class TradeRead(BaseModel):
    """One trade read from a string."""

    trade_id: str
    zh: str
    en: str
    confidence: float
    matched: str
    how: str
    alternatives: list[str]
    reason_zh: str
    reason_en: str
    years: float | None
    level: int | None = Field(description="1 (初级) .. 5 (高级技师)")
    level_zh: str | None
    certified: bool


class CertificateRead(BaseModel):
    """A certificate named in a string."""

    certificate_id: str
    zh: str
    en: str
    matched: str


class ReadResult(BaseModel):
    """Everything the engine read from a string, and what it did not understand."""

    text: str
    trades: list[TradeRead]
    certificates: list[CertificateRead]
    years: float | None
    level: int | None
    level_zh: str | None
    unknown: list[str]


class OccupationOut(BaseModel):
    """An occupation of the 2022 classification with the path above it and its trades."""

    code: str
    level: int
    name: str
    parent_code: str | None
    path: list[dict[str, str]]
    children: list[str]
    trades: list[TradeSuggestion]


def _trade(h: TradeHit) -> TradeRead:
    return TradeRead(
        trade_id=h.trade_id,
        zh=h.zh,
        en=h.en,
        confidence=h.confidence,
        matched=h.alias,
        how=h.how,
        alternatives=list(h.alternatives),
        reason_zh=h.reason_zh,
        reason_en=h.reason_en,
        years=h.years,
        level=h.level.rank if h.level else None,
        level_zh=h.level.zh if h.level else None,
        certified=h.certified,
    )


def read_result(r: Reading) -> ReadResult:
    """A reading as the API shows it."""
    return ReadResult(
        text=r.text,
        trades=[_trade(h) for h in r.trades],
        certificates=[
            CertificateRead(certificate_id=c.certificate_id, zh=c.zh, en=c.en, matched=c.alias)
            for c in r.certificates
        ],
        years=r.years,
        level=r.level.rank if r.level else None,
        level_zh=r.level.zh if r.level else None,
        unknown=list(r.unknown),
    )


@router.get("/trades", response_model=list[TradeSuggestion])
def trades(
    _: PrincipalDep,
    state: StateDep,
    q: Annotated[
        str, Query(min_length=1, max_length=50, description="Chinese, toneless pinyin, initials or English")
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[TradeSuggestion]:
    """Autocomplete trades for what was typed."""
    return [
        TradeSuggestion(trade_id=c.trade_id, zh=c.zh, en=c.en, matched=c.matched, how=c.how)
        for c in state.norm.autocomplete(q, limit)
    ]


@router.get("/read", response_model=ReadResult)
def read(
    _: PrincipalDep,
    state: StateDep,
    text: Annotated[str, Query(min_length=1, max_length=200, description="a skill entry as written")],
) -> ReadResult:
    """What the engine reads from a string: trades, level, years, certificates, what stayed unknown."""
    return read_result(state.norm.read(text))


@router.get("/occupations/{code}", response_model=OccupationOut)
def occupation(
    _: PrincipalDep,
    state: StateDep,
    code: Annotated[str, Path(max_length=20, pattern=r"^\d(-\d\d){0,3}$", description="e.g. 6-05-01-03")],
) -> OccupationOut:
    """An occupation with its hierarchy and the trades under it."""
    occ = state.norm.occupation(code)
    if occ is None:
        raise NotFoundError("occupation", code)
    trades_out = []
    for ident in occ.trades:
        t = state.norm.trade(ident)
        if t is not None:
            trades_out.append(TradeSuggestion(trade_id=t.id, zh=t.zh, en=t.en, matched=t.zh, how="zh"))
    return OccupationOut(
        code=occ.code,
        level=occ.level,
        name=occ.name,
        parent_code=occ.parent_code,
        path=[{"code": c, "name": n} for c, n in occ.path],
        children=list(occ.children),
        trades=trades_out,
    )
