"""worker: keyed hashes of the phone's and the ID number's last four digits (office search)

Revision ID: c0a51e13f4d2
Revises: 7e4b1c9d2a60
Create Date: 2026-12-01 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0a51e13f4d2"
down_revision: str | None = "7e4b1c9d2a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("worker", sa.Column("phone_last4_hash", sa.String(length=64), nullable=True))
    op.add_column("worker", sa.Column("id_last4_hash", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_worker_phone_last4_hash"), "worker", ["phone_last4_hash"], unique=False)
    op.create_index(op.f("ix_worker_id_last4_hash"), "worker", ["id_last4_hash"], unique=False)
    _backfill()


def _backfill() -> None:
    """Hash the last digits of workers registered before this revision (decrypted with the service's keys)."""
    from workers.pii import ID_CTX, PHONE_CTX, cipher, id_last4_hash, phone_last4_hash

    bind = op.get_bind()
    worker = sa.table(
        "worker",
        sa.column("id", sa.Uuid()),
        sa.column("phone_enc", sa.Text()),
        sa.column("id_number_enc", sa.Text()),
        sa.column("phone_last4_hash", sa.String()),
        sa.column("id_last4_hash", sa.String()),
    )
    rows = bind.execute(
        sa.select(worker.c.id, worker.c.phone_enc, worker.c.id_number_enc).where(
            sa.or_(worker.c.phone_enc.is_not(None), worker.c.id_number_enc.is_not(None))
        )
    ).all()
    fc = cipher()
    for row in rows:
        phone = fc.decrypt(row.phone_enc, context=PHONE_CTX) if row.phone_enc else None
        id_number = fc.decrypt(row.id_number_enc, context=ID_CTX) if row.id_number_enc else None
        bind.execute(
            worker.update()
            .where(worker.c.id == row.id)
            .values(
                phone_last4_hash=phone_last4_hash(phone[-4:]) if phone else None,
                id_last4_hash=id_last4_hash(id_number[-4:]) if id_number else None,
            )
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_id_last4_hash"), table_name="worker")
    op.drop_index(op.f("ix_worker_phone_last4_hash"), table_name="worker")
    op.drop_column("worker", "id_last4_hash")
    op.drop_column("worker", "phone_last4_hash")
