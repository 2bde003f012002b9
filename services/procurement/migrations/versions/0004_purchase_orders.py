"""Purchase orders: the supplier and warehouse replicas, approval rules, the
orders with their lines and approval steps, receipts, returns to suppliers and
the per-month number counter (PO-YYYYMM-NNNNN, gap-free).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

QUANTITY = sa.Numeric(18, 4)
MONEY = sa.Numeric(18, 4)
RATE = sa.Numeric(6, 4)
STATUSES = ("draft", "submitted", "approved", "partially_received", "received", "closed",
            "cancelled", "rejected")


def _at(name: str, nullable: bool = False) -> sa.Column:
    if nullable:
        return sa.Column(name, sa.DateTime(timezone=True))
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "supplier_replica",
        sa.Column("supplier_id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("email", sa.String(200)),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("synced_at"),
    )
    op.create_table(
        "warehouse_replica",
        sa.Column("warehouse_id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("branch_id", sa.Uuid(), index=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("synced_at"),
    )
    op.create_table(
        "approval_rule",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("branch_id", sa.Uuid()),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("min_amount", MONEY, nullable=False),
        sa.Column("permission", sa.String(100), nullable=False),
        sa.Column("allow_self_approval", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _at("created_at"),
        sa.CheckConstraint("level >= 1", name="ck_approval_rule_level"),
        sa.CheckConstraint("min_amount >= 0", name="ck_approval_rule_min_amount"),
    )
    op.create_index("uq_approval_rule_branch_level", "approval_rule",
                    [sa.text("COALESCE(branch_id, '00000000-0000-0000-0000-000000000000')"),
                     "level"], unique=True)
    op.create_table(
        "po_number_counter",
        sa.Column("month", sa.String(6), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )
    op.create_table(
        "purchase_order",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("branch_id", sa.Uuid(), index=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("expected_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.String(1000)),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("over_receipt_tolerance_pct", sa.Numeric(7, 4)),
        sa.Column("requisition_ids", JSONB(), nullable=False, server_default="[]"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        _at("submitted_at", nullable=True),
        _at("approved_at", nullable=True),
        _at("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(500)),
        sa.Column("emailed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="ck_purchase_order_status"),
        sa.CheckConstraint("revision >= 1", name="ck_purchase_order_revision"),
    )
    op.create_index("ix_purchase_order_status", "purchase_order", ["status", "created_at"])
    op.create_table(
        "purchase_order_line",
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("product_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("tax_rate", RATE, nullable=False),
        sa.Column("received", QUANTITY, nullable=False),
        sa.Column("rejected", QUANTITY, nullable=False),
        sa.Column("returned", QUANTITY, nullable=False),
        sa.UniqueConstraint("order_id", "product_id", name="uq_purchase_order_line_product"),
        sa.CheckConstraint("quantity > 0", name="ck_purchase_order_line_quantity"),
        sa.CheckConstraint("unit_price >= 0", name="ck_purchase_order_line_price"),
        sa.CheckConstraint("returned <= received", name="ck_purchase_order_line_returned"),
    )
    op.create_table(
        "purchase_order_approval",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("permission", sa.String(100), nullable=False),
        sa.Column("allow_self_approval", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(10)),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_by_name", sa.String(200)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("comment", sa.String(500)),
        sa.UniqueConstraint("order_id", "revision", "level",
                            name="uq_purchase_order_approval_level"),
        sa.CheckConstraint("decision IN ('approved', 'rejected')",
                           name="ck_purchase_order_approval_decision"),
    )
    op.create_index("ix_purchase_order_approval_pending", "purchase_order_approval",
                    ["permission"], postgresql_where=sa.text("decision IS NULL"))
    op.create_table(
        "goods_receipt",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order.id"), nullable=False,
                  index=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(200), nullable=False),
        _at("created_at"),
    )
    op.create_table(
        "goods_receipt_line",
        sa.Column("receipt_id", sa.Uuid(), sa.ForeignKey("goods_receipt.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("rejected_quantity", QUANTITY, nullable=False),
        sa.Column("rejection_reason", sa.String(500)),
        sa.Column("lot", sa.String(64)),
        sa.Column("expiry", sa.Date()),
    )
    op.create_table(
        "supplier_return",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order.id"), nullable=False,
                  index=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returned_by", sa.String(200), nullable=False),
        _at("created_at"),
    )
    op.create_table(
        "supplier_return_line",
        sa.Column("return_id", sa.Uuid(), sa.ForeignKey("supplier_return.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    for table in ("supplier_return_line", "supplier_return", "goods_receipt_line",
                  "goods_receipt", "purchase_order_approval", "purchase_order_line",
                  "purchase_order", "po_number_counter", "approval_rule", "warehouse_replica",
                  "supplier_replica"):
        op.drop_table(table)
