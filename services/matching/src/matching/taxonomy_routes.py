"""HTTP routes of the vocabulary: autocomplete, what a string reads as, occupations; the unknown
spellings by site and the aliases admins add."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from anju_common.deps import PrincipalDep, SessionDep
from anju_common.errors import ForbiddenError, NotFoundError
from anju_common.pagination import Page, bad_cursor, decode_cursor, encode_cursor
from anju_common.principal import Principal
from anju_taxonomy import Reading, TradeHit
from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, Field

from matching import aliases
from matching import taxonomy_repository as trepo
from matching.models import TaxonomyAlias
from matching.routes import StateDep
from matching.state import MatchingState

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


# ------------------------------------------------------------------ a vocabulary that grows
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")]


class UnknownTerm(BaseModel):
    """A skill spelling the vocabulary did not understand, at one site."""

    term: str
    site_id: uuid.UUID | None = Field(description="null: jobs posted without a site")
    count: int = Field(description="workers and jobs whose skills hold it now")
    example_kind: str = Field(description="worker_skill | job_skill")
    example_text: str = Field(description="an entry it was written in")
    first_seen_at: datetime
    last_seen_at: datetime
    suggestions: list[TradeSuggestion] = Field(description="trades the spelling autocompletes to")


class AliasIn(BaseModel):
    """Teach the vocabulary a spelling: it means this trade from now on."""

    alias: str = Field(min_length=1, max_length=100, description="the spelling, e.g. an unknown term")
    trade_id: str = Field(min_length=1, max_length=100, description="a trade id (GET /taxonomy/trades)")
    force: bool = Field(
        default=False,
        description="change an alias that means another trade, or add a meaning to a spelling the "
        "vocabulary already reads as another trade",
    )


class AliasOut(BaseModel):
    """A stored alias."""

    key: str = Field(description="the spelling as the vocabulary compares it")
    alias: str
    trade_id: str
    zh: str
    en: str
    forced: bool
    created_by: str
    created_at: datetime


def _admin(principal: Principal) -> None:
    if principal.role not in ("admin", "service"):
        raise ForbiddenError("only administrators change the vocabulary's aliases")


def _alias_out(row: TaxonomyAlias, state: MatchingState) -> AliasOut:
    zh, en = state.norm.label(row.trade_id)
    return AliasOut(
        key=row.key,
        alias=row.alias,
        trade_id=row.trade_id,
        zh=zh,
        en=en,
        forced=row.forced,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _count_cursor(cursor: str | None) -> tuple[int, int] | None:
    values = decode_cursor(cursor, 2)
    if values is None:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise bad_cursor()
    return int(values[0]), int(values[1])


@router.get("/unknown", response_model=Page[UnknownTerm])
def unknown(
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    site_id: uuid.UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[UnknownTerm]:
    """Skill spellings that did not normalise, most frequent first; office staff see their sites."""
    if principal.role not in ("admin", "service", "office_staff"):
        raise ForbiddenError("only administrators and office staff see the skills not understood")
    sites = principal.site_ids if principal.role == "office_staff" else None
    rows = trepo.list_unknown(session, sites, site_id, _count_cursor(cursor), limit)
    items = [
        UnknownTerm(
            term=r.term,
            site_id=r.site_id,
            count=r.count,
            example_kind=r.example_kind,
            example_text=r.example_text,
            first_seen_at=r.first_seen_at,
            last_seen_at=r.last_seen_at,
            suggestions=[
                TradeSuggestion(trade_id=c.trade_id, zh=c.zh, en=c.en, matched=c.matched, how=c.how)
                for c in state.norm.autocomplete(r.term, 3)
            ],
        )
        for r in rows
    ]
    last = rows[-1] if len(rows) == limit else None
    return Page(items=items, next_cursor=encode_cursor([last.count, last.id]) if last else None)


@router.post(
    "/aliases",
    response_model=AliasOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": AliasOut, "description": "The alias already meant that trade"}},
)
def add_alias(
    body: AliasIn, principal: PrincipalDep, session: SessionDep, state: StateDep, response: Response
) -> AliasOut:
    """Map a spelling to a trade (admins): stored, published, and applied by matching's consumer, which
    re-reads and re-ranks the profiles it touches. 201 when new, 200 when it already meant that trade."""
    _admin(principal)
    row, created = aliases.add_alias(
        session, state.norm, body.alias, body.trade_id, force=body.force, actor=principal.sub
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/taxonomy/aliases/{quote(row.key, safe='')}"
    return _alias_out(row, state)


@router.get("/aliases", response_model=Page[AliasOut])
def list_aliases(
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    trade_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AliasOut]:
    """Stored aliases by spelling (admins)."""
    _admin(principal)
    values = decode_cursor(cursor, 1)
    if values is not None and not isinstance(values[0], str):
        raise bad_cursor()
    rows = trepo.list_aliases(session, trade_id, values[0] if values else None, limit)
    nxt = encode_cursor([rows[-1].key]) if len(rows) == limit else None
    return Page(items=[_alias_out(r, state) for r in rows], next_cursor=nxt)


@router.delete("/aliases/{key}", status_code=status.HTTP_204_NO_CONTENT)
def delete_alias(
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    key: Annotated[str, Path(min_length=1, max_length=100)],
) -> Response:
    """Remove an alias (admins); profiles read with it are read again."""
    _admin(principal)
    aliases.remove_alias(session, state.norm, aliases.alias_key(key), actor=principal.sub)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
