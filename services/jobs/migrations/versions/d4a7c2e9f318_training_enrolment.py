"""course enrolments and waiting lists; courses posted by employers; the certificate a course gives

Revision ID: d4a7c2e9f318
Revises: 5c2d0e7a9b41
Create Date: 2026-12-01 12:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d4a7c2e9f318"
down_revision: str | None = "5c2d0e7a9b41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("training_course", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employer_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("certificate", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_training_course_employer_id"), ["employer_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_training_course_employer_id_employer", "employer", ["employer_id"], ["id"]
        )
    op.create_table(
        "training_enrolment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("training_id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("offer_id", sa.Uuid(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("certificate", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["training_id"], ["training_course.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("training_id", "worker_id", name="uq_training_enrolment_worker"),
    )
    with op.batch_alter_table("training_enrolment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_enrolment_queue", ["training_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_training_enrolment_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_enrolment_worker_id"), ["worker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("training_enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_enrolment_worker_id"))
        batch_op.drop_index(batch_op.f("ix_training_enrolment_site_id"))
        batch_op.drop_index("ix_training_enrolment_queue")
    op.drop_table("training_enrolment")
    with op.batch_alter_table("training_course", schema=None) as batch_op:
        batch_op.drop_constraint("fk_training_course_employer_id_employer", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_training_course_employer_id"))
        batch_op.drop_column("certificate")
        batch_op.drop_column("employer_id")
