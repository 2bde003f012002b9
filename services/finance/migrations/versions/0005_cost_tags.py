"""Cost accounting: product and sales order on journal lines, invoice lines.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("journal_line", sa.Column("product_id", sa.Uuid, nullable=True))
    op.add_column("journal_line", sa.Column("order_id", sa.Uuid, nullable=True))
    op.create_index(op.f("ix_journal_line_product_id"), "journal_line", ["product_id"])
    op.create_table(
        "invoice_line",
        sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoice.id"), primary_key=True),
        sa.Column("line_no", sa.SmallInteger, primary_key=True),
        sa.Column("product_id", sa.Uuid, nullable=False),
        sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("net", sa.Numeric(18, 2), nullable=False, server_default=sa.text("0")),
    )
    op.create_index(op.f("ix_invoice_line_product_id"), "invoice_line", ["product_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_line_product_id"), table_name="invoice_line")
    op.drop_table("invoice_line")
    op.drop_index(op.f("ix_journal_line_product_id"), table_name="journal_line")
    op.drop_column("journal_line", "order_id")
    op.drop_column("journal_line", "product_id")
