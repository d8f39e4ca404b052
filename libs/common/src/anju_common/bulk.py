"""Many rows into one table: on PostgreSQL an INSERT … SELECT over unnest() of one array per column (one
statement whose text is the same for any number of rows, so it stays prepared; values adapted per column
instead of per row), or COPY for an import's tens of thousands of rows; elsewhere the ORM's executemany."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Column, String, Table, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

_SQL_CACHE: dict[tuple[Any, ...], tuple[str, list[Column[Any]]]] = {}


def insert_rows(
    session: Session,
    into: Table | type[Any],
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_conflicts: bool = False,
    key: str | None = None,
) -> set[Any]:
    """Insert rows (all with the same keys) into a table, or a mapped class's, in the session's transaction
    and in their order; with skip_conflicts a row that breaks a unique index is left out. Returns the `key`
    column's values of the rows inserted (key: a column every row gives a fresh value, e.g. a new uuid),
    else an empty set."""
    if not rows:
        return set()
    table: Table = into if isinstance(into, Table) else into.__table__  # a table, or a mapped class
    names = list(rows[0])
    if {len(r) for r in rows} != {len(names)}:  # the same length; a different key fails in _column_values
        raise _uneven(table)
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return _insert_orm(session, table, rows, skip_conflicts=skip_conflicts, key=key)
    sql, columns = _unnest_sql(table, tuple(names), bind.dialect, skip_conflicts, key)
    params = [_column_values(c, rows, bind.dialect) for c in columns]
    result = session.connection().exec_driver_sql(sql, tuple(params))
    return {row[0] for row in result} if key else set()


def _insert_orm(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_conflicts: bool,
    key: str | None,
) -> set[Any]:
    """The embedded SQLite path."""
    if skip_conflicts:
        session.execute(sqlite.insert(table).on_conflict_do_nothing(), list(rows))
    else:
        session.execute(insert(table), list(rows))
    if key is None:
        return set()
    column = table.c[key]
    wanted = [r[key] for r in rows]
    found: set[Any] = set()
    for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        found.update(session.execute(select(column).where(column.in_(wanted[start : start + 500]))).scalars())
    return found


def _unnest_sql(
    table: Table, names: tuple[str, ...], dialect: Dialect, skip_conflicts: bool, key: str | None
) -> tuple[str, list[Column[Any]]]:
    cache_key = (table, names, dialect.name, skip_conflicts, key)
    cached = _SQL_CACHE.get(cache_key)
    if cached is not None:
        return cached
    quote = dialect.identifier_preparer.quote
    columns = [table.c[n] for n in names]
    arrays, picks = [], []
    for i, c in enumerate(columns):
        if isinstance(c.type, JSON):  # sent as its serialised text, read back as the column's own type
            arrays.append("%b::text[]")
            picks.append(f"u.c{i}::{c.type.compile(dialect=dialect)}")
        elif isinstance(c.type, String):
            # text, not varchar(n): an explicit cast would cut a long value; the insert's own cast refuses it
            arrays.append("%b::text[]")
            picks.append(f"u.c{i}")
        else:
            arrays.append(f"%b::{c.type.compile(dialect=dialect)}[]")
            picks.append(f"u.c{i}")
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    # Identifiers come from the table's metadata, quoted; every value is a bound parameter.
    target = f"{quote(table.name)} ({', '.join(quote(c.name) for c in columns)})"
    sql = (
        f"INSERT INTO {target} "  # noqa: S608
        f"SELECT {', '.join(picks)} FROM unnest({', '.join(arrays)}) WITH ORDINALITY AS u({aliases}, n) "
        "ORDER BY u.n"  # ids from a sequence follow the rows' order (the outbox relays in id order)
    )
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if key is not None:
        sql += f" RETURNING {quote(table.c[key].name)}"
    _SQL_CACHE[cache_key] = (sql, columns)
    return sql, columns


def _column_values(column: Column[Any], rows: Sequence[Mapping[str, Any]], dialect: Dialect) -> list[Any]:
    """One column's values, converted as the ORM would bind them (enum values, JSON text)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    try:
        values = [r[column.name] for r in rows]
    except KeyError:
        raise _uneven(column.table) from None
    return values if process is None else [process(v) for v in values]


def _uneven(table: Any) -> ValueError:
    return ValueError(f"{table.name}: 每行须给出相同的列 / every row must give the same columns")


def copy_rows(session: Session, into: Table | type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (all with the same keys) in the session's transaction: COPY on PostgreSQL (an order of
    magnitude faster than executemany for an import; no conflict handling, no ids back), the ORM's
    executemany elsewhere."""
    if not rows:
        return
    table: Table = into if isinstance(into, Table) else into.__table__
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    dialect = connection.dialect
    columns = [table.c[name] for name in rows[0]]
    convert = [
        (i, process)
        for i, c in enumerate(columns)
        if (process := c.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    quote = dialect.identifier_preparer.quote
    names = [c.name for c in columns]
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    driver: Any = connection.connection.driver_connection
    with driver.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            values = [row[n] for n in names]
            for i, process in convert:
                if values[i] is not None:  # SQL NULL, as COPY writes it (a JSON column's None is no 'null')
                    values[i] = process(values[i])
            copy.write_row(values)
