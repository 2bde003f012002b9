"""Receipts and returns per purchase order, for matching supplier bills.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grni_document",
        sa.Column("document_id", sa.Uuid, primary_key=True),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("supplier_id", sa.Uuid, nullable=False),
        sa.Column("value", sa.Numeric(18, 2), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f("ix_grni_document_order_id"), "grni_document", ["order_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_grni_document_order_id"), table_name="grni_document")
    op.drop_table("grni_document")
