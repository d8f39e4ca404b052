"""Migration helper: fill code columns of existing rows from the place names they kept."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from anju_common.places.normalise import code_or_none


def backfill_codes(table: str, *, prefix: str = "") -> None:
    """Set {prefix}province_code and {prefix}county_code from the names; unplaceable names keep NULL."""
    t = sa.table(
        table,
        sa.column("id"),
        sa.column(f"{prefix}province", sa.String),
        sa.column(f"{prefix}county", sa.String),
        sa.column(f"{prefix}province_code", sa.String),
        sa.column(f"{prefix}county_code", sa.String),
    )
    bind = op.get_bind()
    names = sa.select(t.c[f"{prefix}province"], t.c[f"{prefix}county"]).distinct()
    for province, county in bind.execute(names).all():
        p_code = code_or_none(province, "province")
        c_code = code_or_none(county, "county", p_code)
        if c_code and not p_code:
            p_code = c_code[:2] + "0000"
        if not (p_code or c_code):
            continue
        match = sa.and_(
            t.c[f"{prefix}province"].is_(None) if province is None else t.c[f"{prefix}province"] == province,
            t.c[f"{prefix}county"].is_(None) if county is None else t.c[f"{prefix}county"] == county,
        )
        bind.execute(
            t.update().where(match).values({f"{prefix}province_code": p_code, f"{prefix}county_code": c_code})
        )
