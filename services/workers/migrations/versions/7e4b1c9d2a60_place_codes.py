"""place codes: GB/T 2260 codes beside the site's and the worker's home province and county names, backfilled

Revision ID: 7e4b1c9d2a60
Revises: fe322b9f4062
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from anju_common.places.backfill import backfill_codes

revision: str = "7e4b1c9d2a60"
down_revision: str | None = "fe322b9f4062"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("site", sa.Column("county_code", sa.String(length=6), nullable=True))
    op.add_column("site", sa.Column("province_code", sa.String(length=6), nullable=True))
    op.create_index("ix_site_province_code", "site", ["province_code"])
    op.add_column("worker", sa.Column("home_county_code", sa.String(length=6), nullable=True))
    op.add_column("worker", sa.Column("home_province_code", sa.String(length=6), nullable=True))
    backfill_codes("site")
    backfill_codes("worker", prefix="home_")


def downgrade() -> None:
    op.drop_column("worker", "home_province_code")
    op.drop_column("worker", "home_county_code")
    op.drop_index("ix_site_province_code", table_name="site")
    op.drop_column("site", "province_code")
    op.drop_column("site", "county_code")
