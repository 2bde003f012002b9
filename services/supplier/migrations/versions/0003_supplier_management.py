"""Supplier management: the master's tax id, contacts, addresses, bank,
currency and status; inventory's products (a replica); price lists (overlaps
excluded by a GiST constraint);
preferred suppliers; interactions; procurement facts for the scorecard and
the spend classification.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                      nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                      nullable=False)]


def _quantity(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(18, 4), nullable=False)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")

    op.add_column("supplier", sa.Column("tax_id", sa.String(32)))
    op.add_column("supplier", sa.Column("contacts", JSONB(), nullable=False,
                                        server_default=sa.text("'[]'::jsonb")))
    op.add_column("supplier", sa.Column("addresses", JSONB(), nullable=False,
                                        server_default=sa.text("'[]'::jsonb")))
    op.add_column("supplier", sa.Column("bank", JSONB()))
    op.add_column("supplier", sa.Column("currency", sa.String(3), nullable=False,
                                        server_default="CNY"))
    op.add_column("supplier", sa.Column("status", sa.String(10), nullable=False,
                                        server_default="approved"))
    op.add_column("supplier", sa.Column("status_reason", sa.String(500)))
    op.create_check_constraint("ck_supplier_status", "supplier",
                               "status IN ('approved', 'blocked')")
    op.create_index("ix_supplier_category", "supplier", ["category"])

    op.create_table(
        "product_replica",
        sa.Column("product_id", sa.Uuid(), primary_key=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )

    op.create_table(
        "supplier_price",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("supplier_id", sa.Uuid(), sa.ForeignKey("supplier.id"), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _quantity("min_quantity"),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date()),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
        sa.CheckConstraint("unit_price >= 0", name="ck_supplier_price_unit_price"),
        sa.CheckConstraint("min_quantity > 0", name="ck_supplier_price_min_quantity"),
        sa.CheckConstraint("lead_time_days >= 0", name="ck_supplier_price_lead_time"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from",
                           name="ck_supplier_price_validity"),
    )
    op.create_index("ix_supplier_price_supplier_id", "supplier_price", ["supplier_id"])
    op.create_index("ix_supplier_price_product_id", "supplier_price", ["product_id"])
    op.execute(
        "ALTER TABLE supplier_price ADD CONSTRAINT ex_supplier_price_overlap "
        "EXCLUDE USING gist (supplier_id WITH =, product_id WITH =, min_quantity WITH =, "
        "daterange(valid_from, valid_to, '[]') WITH &&) WHERE (active)")

    op.create_table(
        "preferred_supplier",
        sa.Column("product_id", sa.Uuid(), primary_key=True),
        sa.Column("supplier_id", sa.Uuid(), sa.ForeignKey("supplier.id")),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_index("ix_preferred_supplier_supplier_id", "preferred_supplier", ["supplier_id"])

    op.create_table(
        "supplier_interaction",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("supplier_id", sa.Uuid(), sa.ForeignKey("supplier.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.String(20000), nullable=False),
        sa.Column("recipients", JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        _at("occurred_at"),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("message_id", sa.String(300)),
        sa.Column("error", sa.String(1000)),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        *_stamps(),
        sa.CheckConstraint("kind IN ('note', 'call', 'email', 'visit')",
                           name="ck_supplier_interaction_kind"),
        sa.CheckConstraint("status IN ('recorded', 'sending', 'sent', 'failed')",
                           name="ck_supplier_interaction_status"),
    )
    op.create_index("ix_supplier_interaction_supplier_id", "supplier_interaction",
                    ["supplier_id"])

    op.create_table(
        "purchase_order_fact",
        sa.Column("order_id", sa.Uuid(), primary_key=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.Numeric(18, 4), nullable=False),
        _at("first_approved_at"), _at("approved_at"), _at("expected_at", True),
        _at("closed_at", True), _at("cancelled_at", True),
    )
    op.create_index("ix_purchase_order_fact_supplier", "purchase_order_fact",
                    ["supplier_id", "approved_at"])
    op.create_table(
        "purchase_order_line_fact",
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order_fact.order_id",
                                                       ondelete="CASCADE"), primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        _quantity("quantity"),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
        sa.Column("list_price", sa.Numeric(18, 4)),
    )
    op.create_table(
        "receipt_fact",
        sa.Column("receipt_id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        _at("received_at"), _at("promised_at", True),
        sa.Column("on_time", sa.Boolean()),
        _quantity("accepted_quantity"), _quantity("rejected_quantity"),
        sa.Column("lead_time_days", sa.Numeric(10, 2)),
    )
    op.create_index("ix_receipt_fact_order_id", "receipt_fact", ["order_id"])
    op.create_index("ix_receipt_fact_supplier", "receipt_fact", ["supplier_id", "received_at"])
    op.create_table(
        "receipt_line_fact",
        sa.Column("receipt_id", sa.Uuid(), sa.ForeignKey("receipt_fact.receipt_id",
                                                         ondelete="CASCADE"), primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        _quantity("accepted_quantity"), _quantity("rejected_quantity"),
    )
    op.create_index("ix_receipt_line_fact_order_id", "receipt_line_fact", ["order_id"])
    op.create_table(
        "return_fact",
        sa.Column("return_id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        _at("returned_at"),
        _quantity("quantity"),
    )
    op.create_index("ix_return_fact_supplier", "return_fact", ["supplier_id", "returned_at"])


def downgrade() -> None:
    for table in ("return_fact", "receipt_line_fact", "receipt_fact",
                  "purchase_order_line_fact", "purchase_order_fact", "supplier_interaction",
                  "preferred_supplier", "supplier_price", "product_replica"):
        op.drop_table(table)
    op.drop_index("ix_supplier_category", "supplier")
    op.drop_constraint("ck_supplier_status", "supplier")
    for column in ("status_reason", "status", "currency", "bank", "addresses", "contacts",
                   "tax_id"):
        op.drop_column("supplier", column)
