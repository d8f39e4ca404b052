"""taxonomy aliases and unknown terms

Revision ID: b3f1c2a9d4e7
Revises: b3e91d4c7a20
Create Date: 2026-12-01 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'b3f1c2a9d4e7'
down_revision: str | None = 'b3e91d4c7a20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'taxonomy_alias',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('alias', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('trade_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('forced', sa.Boolean(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_taxonomy_alias_trade_id', 'taxonomy_alias', ['trade_id'])
    op.create_table(
        'taxonomy_unknown_term',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('term', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('site_id', sa.Uuid(), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('example_kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('example_text', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint(
            'term', 'site_id', name='uq_taxonomy_unknown_term_site', postgresql_nulls_not_distinct=True
        ),
    )
    op.create_index('ix_taxonomy_unknown_term_rank', 'taxonomy_unknown_term', ['count', 'term'])
    op.create_table(
        'taxonomy_unknown_use',
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('subject_id', sa.Uuid(), nullable=False),
        sa.Column('term', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('site_id', sa.Uuid(), nullable=True),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'subject_id', 'term'),
    )
    op.create_index('ix_taxonomy_unknown_use_term', 'taxonomy_unknown_use', ['term'])


def downgrade() -> None:
    op.drop_index('ix_taxonomy_unknown_use_term', table_name='taxonomy_unknown_use')
    op.drop_table('taxonomy_unknown_use')
    op.drop_index('ix_taxonomy_unknown_term_rank', table_name='taxonomy_unknown_term')
    op.drop_table('taxonomy_unknown_term')
    op.drop_index('ix_taxonomy_alias_trade_id', table_name='taxonomy_alias')
    op.drop_table('taxonomy_alias')
