"""insert_rows and copy_rows on real PostgreSQL and on the embedded SQLite: the same rows stored the same way
(enums as their values, JSON with Chinese, NULLs, sequence ids in row order), conflicts skipped, the inserted
keys returned, and a value too long for its column refused rather than cut."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from anju_common.bulk import copy_rows, insert_rows
from anju_common.db import enum_type, make_engine
from anju_common.testing import Infra
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

pytestmark = pytest.mark.integration


class Colour(StrEnum):
    red = "red"
    deep_blue = "deep-blue"


METADATA = MetaData()
THING = Table(
    "thing",
    METADATA,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("pair", String(20), nullable=False),
    Column("colour", enum_type(Colour), nullable=False),
    Column("score", Float, nullable=False),
    Column("detail", JSON, nullable=False),
    Column("note", String(5), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("uq_thing_pair", "pair", unique=True),
)


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request: pytest.FixtureRequest, infra: Infra, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database of either kind with the table."""
    url = infra.create_database("kitbulk") if request.param == "postgresql" else f"sqlite:///{tmp_path}/b.db"
    eng = make_engine(url)
    METADATA.create_all(eng)
    yield eng
    eng.dispose()


def _row(pair: str, **over: Any) -> dict[str, Any]:
    row = {
        "id": uuid.uuid4(),
        "pair": pair,
        "colour": Colour.deep_blue,
        "score": 0.5,
        "detail": {"理由": ["同村", "会电焊"], "n": 2},
        "note": None,
        "at": datetime(2026, 12, 2, 3, 4, 5, tzinfo=UTC),
    }
    return row | over


@pytest.mark.parametrize("how", ["insert", "copy"])
def test_rows_are_stored_as_the_orm_would_in_their_order(engine: Engine, how: str) -> None:
    rows = [_row(f"p{i}", score=i / 10, note="短" if i % 2 else None) for i in range(7)]
    with Session(engine) as session:
        if how == "insert":
            assert insert_rows(session, THING, rows, key="id") == {r["id"] for r in rows}
        else:
            copy_rows(session, THING, rows)
        session.commit()
    with engine.connect() as conn:
        stored = conn.execute(select(THING).order_by(THING.c.seq)).mappings().all()
    assert [s["pair"] for s in stored] == [f"p{i}" for i in range(7)]  # sequence ids follow the rows
    first = stored[1]
    assert first["colour"] == Colour.deep_blue and first["detail"] == {"理由": ["同村", "会电焊"], "n": 2}
    assert first["note"] == "短" and stored[0]["note"] is None and first["score"] == pytest.approx(0.1)
    assert first["at"].replace(tzinfo=UTC) == datetime(2026, 12, 2, 3, 4, 5, tzinfo=UTC)


def test_conflicting_rows_are_skipped_and_left_out_of_the_keys(engine: Engine) -> None:
    with Session(engine) as session:
        insert_rows(session, THING, [_row("taken")])
        session.commit()
    fresh, clash = _row("free"), _row("taken", colour=Colour.red)
    with Session(engine) as session:
        made = insert_rows(session, THING, [fresh, clash], skip_conflicts=True, key="id")
        session.commit()
    assert made == {fresh["id"]}
    with engine.connect() as conn:
        colours = dict(conn.execute(select(THING.c.pair, THING.c.colour)).all())
    assert colours == {"taken": Colour.deep_blue, "free": Colour.deep_blue}


def test_a_conflict_without_skipping_fails_and_stores_nothing(engine: Engine) -> None:
    with Session(engine) as session:
        insert_rows(session, THING, [_row("once")])
        session.commit()
    with Session(engine) as session, pytest.raises(DBAPIError):
        insert_rows(session, THING, [_row("new"), _row("once")])
    with engine.connect() as conn:
        assert conn.execute(select(THING.c.pair)).scalars().all() == ["once"]


def test_rows_must_give_the_same_columns(engine: Engine) -> None:
    odd = _row("b")
    del odd["note"]
    with Session(engine) as session, pytest.raises(ValueError, match="same columns"):
        insert_rows(session, THING, [_row("a"), odd])


def test_a_value_too_long_for_postgresql_is_refused_not_cut(infra: Infra) -> None:
    eng = make_engine(infra.create_database("kitbulk"))
    METADATA.create_all(eng)
    try:
        with Session(eng) as session, pytest.raises(DBAPIError, match="too long"):
            insert_rows(session, THING, [_row("long", note="六个字的备注")])
    finally:
        eng.dispose()
