"""place codes: GB/T 2260 codes beside the province and county names, backfilled from the names

Revision ID: 5c2d0e7a9b41
Revises: 42808f18cd32
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from anju_common.places.backfill import backfill_codes

revision: str = "5c2d0e7a9b41"
down_revision: str | None = "42808f18cd32"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("employer", "job", "training_course")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("county_code", sa.String(length=6), nullable=True))
        op.add_column(table, sa.Column("province_code", sa.String(length=6), nullable=True))
        op.create_index(f"ix_{table}_province_code", table, ["province_code"])
        backfill_codes(table)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_province_code", table_name=table)
        op.drop_column(table, "province_code")
        op.drop_column(table, "county_code")
