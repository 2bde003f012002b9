"""Purchase requisitions and their lines, the supplier price-list and
preferred-supplier replicas, and the purchase price history.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

QUANTITY = sa.Numeric(18, 4)
MONEY = sa.Numeric(18, 4)


def _now() -> sa.Column:
    return sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                     nullable=False)


def upgrade() -> None:
    op.execute("CREATE SEQUENCE doc_seq_pr")
    op.create_table(
        "purchase_requisition",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("branch_id", sa.Uuid(), index=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("auto_product_id", sa.Uuid()),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("note", sa.String(500)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("source IN ('manual', 'auto')", name="ck_purchase_requisition_source"),
        sa.CheckConstraint("status IN ('open', 'converted', 'cancelled')",
                           name="ck_purchase_requisition_status"),
        sa.CheckConstraint("(source = 'auto') = (auto_product_id IS NOT NULL)",
                           name="ck_purchase_requisition_auto_product"),
    )
    op.create_index("ix_purchase_requisition_status", "purchase_requisition",
                    ["status", "created_at"])
    op.create_index("uq_purchase_requisition_open_auto", "purchase_requisition",
                    ["warehouse_id", "auto_product_id"], unique=True,
                    postgresql_where=sa.text("status = 'open' AND auto_product_id IS NOT NULL"))
    op.create_table(
        "purchase_requisition_line",
        sa.Column("requisition_id", sa.Uuid(),
                  sa.ForeignKey("purchase_requisition.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("product_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("supplier_id", sa.Uuid(), index=True),
        sa.Column("needed_by", sa.Date()),
        sa.Column("order_id", sa.Uuid(), index=True),
        sa.CheckConstraint("quantity > 0", name="ck_purchase_requisition_line_quantity"),
    )
    op.create_table(
        "supplier_price_replica",
        sa.Column("price_id", sa.Uuid(), primary_key=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("min_quantity", QUANTITY, nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date()),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _now(),
    )
    op.create_index("ix_supplier_price_replica_product", "supplier_price_replica",
                    ["product_id", "supplier_id"])
    op.create_table(
        "preferred_supplier_replica",
        sa.Column("product_id", sa.Uuid(), primary_key=True),
        sa.Column("supplier_id", sa.Uuid()),
        sa.Column("version", sa.Integer(), nullable=False),
        _now(),
    )
    op.create_table(
        "purchase_price_history",
        sa.Column("order_id", sa.Uuid(), primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("order_number", sa.String(32), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid()),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("priced_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_purchase_price_history_quantity"),
    )
    op.create_index("ix_purchase_price_history_product", "purchase_price_history",
                    ["product_id", "supplier_id", "priced_on"])
    op.create_index("ix_purchase_price_history_priced_on", "purchase_price_history",
                    ["priced_on"])


def downgrade() -> None:
    op.drop_table("purchase_price_history")
    op.drop_table("preferred_supplier_replica")
    op.drop_index("ix_supplier_price_replica_product", table_name="supplier_price_replica")
    op.drop_table("supplier_price_replica")
    op.drop_table("purchase_requisition_line")
    op.drop_table("purchase_requisition")
    op.execute("DROP SEQUENCE doc_seq_pr")
