"""Warehouses and the stock ledger: moves, append-only ledger lines, balances,
lots, reservations, transfers, reorder rules and alerts, incoming supply,
stocktakes; document-number sequences; the ledger refuses UPDATE and DELETE.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SEQUENCES = ("doc_seq_mv", "doc_seq_tr", "doc_seq_sc")


def upgrade() -> None:
    op.create_table(
        "incoming_supply",
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column(
            "quantity",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("purchase_order_id", "product_id", "warehouse_id"),
    )
    op.create_index(
        op.f("ix_incoming_supply_warehouse_id"), "incoming_supply", ["warehouse_id"], unique=False
    )
    op.create_table(
        "warehouse",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("allow_negative_stock", sa.Boolean(), nullable=False),
        sa.Column("transfer_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_warehouse_branch_id"), "warehouse", ["branch_id"], unique=False)
    op.create_index(op.f("ix_warehouse_code"), "warehouse", ["code"], unique=True)
    op.create_table(
        "bin_location",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("warehouse_id", "code"),
    )
    op.create_table(
        "stock_move",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("to_warehouse_id", sa.Uuid(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("shipment_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["stock_move.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_warehouse_id"],
            ["warehouse.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("reverses_id"),
        sa.UniqueConstraint("shipment_id"),
    )
    op.create_index(op.f("ix_stock_move_order_id"), "stock_move", ["order_id"], unique=False)
    op.create_index(op.f("ix_stock_move_transfer_id"), "stock_move", ["transfer_id"], unique=False)
    op.create_index(
        op.f("ix_stock_move_warehouse_id"), "stock_move", ["warehouse_id"], unique=False
    )
    op.create_table(
        "lot_balance",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=False),
        sa.Column(
            "on_hand",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("product_id", "warehouse_id", "lot"),
    )
    op.create_table(
        "reorder_rule",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column(
            "min_qty",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "max_qty",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("min_qty >= 0 AND max_qty >= min_qty", name="ck_reorder_rule_range"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("product_id", "warehouse_id"),
    )
    op.create_table(
        "reservation",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column(
            "quantity",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "issued", sa.Numeric(precision=18, scale=4), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("quantity >= 0", name="ck_reservation_quantity"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("order_id", "product_id", "warehouse_id"),
    )
    op.create_table(
        "stock_alert",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_stock_alert_open",
        "stock_alert",
        ["kind", "product_id", "warehouse_id", "subject"],
        unique=True,
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.create_table(
        "stock_balance",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("costing_method", sa.String(length=10), nullable=False),
        sa.Column(
            "on_hand",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "reserved",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "in_transit",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "value", sa.Numeric(precision=18, scale=4), server_default=sa.text("0"), nullable=False
        ),
        sa.Column(
            "last_unit_cost",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "layers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("last_seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("in_transit >= 0", name="ck_stock_balance_in_transit"),
        sa.CheckConstraint("reserved >= 0", name="ck_stock_balance_reserved"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("product_id", "warehouse_id"),
    )
    op.create_index(
        op.f("ix_stock_balance_warehouse_id"), "stock_balance", ["warehouse_id"], unique=False
    )
    op.create_table(
        "stock_count",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("snapshot_seq", sa.BigInteger(), nullable=False),
        sa.Column("move_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["move_id"],
            ["stock_move.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "stock_ledger",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("move_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=True),
        sa.Column(
            "quantity",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "unit_cost",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "value", sa.Numeric(precision=18, scale=4), server_default=sa.text("0"), nullable=False
        ),
        sa.Column(
            "on_hand_after",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("taken", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["move_id"],
            ["stock_move.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index(op.f("ix_stock_ledger_move_id"), "stock_ledger", ["move_id"], unique=False)
    op.create_index(
        "ix_stock_ledger_product_warehouse",
        "stock_ledger",
        ["product_id", "warehouse_id", "seq"],
        unique=False,
    )
    op.create_table(
        "transfer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("from_warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("to_warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dispatch_move_id", sa.Uuid(), nullable=False),
        sa.Column("receipt_move_id", sa.Uuid(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispatch_move_id"],
            ["stock_move.id"],
        ),
        sa.ForeignKeyConstraint(
            ["from_warehouse_id"],
            ["warehouse.id"],
        ),
        sa.ForeignKeyConstraint(
            ["receipt_move_id"],
            ["stock_move.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_warehouse_id"],
            ["warehouse.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(op.f("ix_transfer_status"), "transfer", ["status"], unique=False)
    op.create_table(
        "stock_count_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("count_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=True),
        sa.Column(
            "quantity",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.Column("scanner", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["count_id"],
            ["stock_count.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_stock_count_entry_count", "stock_count_entry", ["count_id", "product_id"], unique=False
    )
    for name in SEQUENCES:
        op.execute(f"CREATE SEQUENCE {name}")
    op.execute("""
        CREATE FUNCTION stock_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'stock_ledger is append-only: post a reversal instead';
        END $$
    """)
    op.execute("""
        CREATE TRIGGER stock_ledger_append_only BEFORE UPDATE OR DELETE ON stock_ledger
            FOR EACH ROW EXECUTE FUNCTION stock_ledger_append_only();
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER stock_ledger_append_only ON stock_ledger")
    op.execute("DROP FUNCTION stock_ledger_append_only()")
    for name in SEQUENCES:
        op.execute(f"DROP SEQUENCE {name}")
    op.drop_index("ix_stock_count_entry_count", table_name="stock_count_entry")
    op.drop_table("stock_count_entry")
    op.drop_index(op.f("ix_transfer_status"), table_name="transfer")
    op.drop_table("transfer")
    op.drop_index("ix_stock_ledger_product_warehouse", table_name="stock_ledger")
    op.drop_index(op.f("ix_stock_ledger_move_id"), table_name="stock_ledger")
    op.drop_table("stock_ledger")
    op.drop_table("stock_count")
    op.drop_index(op.f("ix_stock_balance_warehouse_id"), table_name="stock_balance")
    op.drop_table("stock_balance")
    op.drop_index(
        "ux_stock_alert_open",
        table_name="stock_alert",
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.drop_table("stock_alert")
    op.drop_table("reservation")
    op.drop_table("reorder_rule")
    op.drop_table("lot_balance")
    op.drop_index(op.f("ix_stock_move_warehouse_id"), table_name="stock_move")
    op.drop_index(op.f("ix_stock_move_transfer_id"), table_name="stock_move")
    op.drop_index(op.f("ix_stock_move_order_id"), table_name="stock_move")
    op.drop_table("stock_move")
    op.drop_table("bin_location")
    op.drop_index(op.f("ix_warehouse_code"), table_name="warehouse")
    op.drop_index(op.f("ix_warehouse_branch_id"), table_name="warehouse")
    op.drop_table("warehouse")
    op.drop_index(op.f("ix_incoming_supply_warehouse_id"), table_name="incoming_supply")
    op.drop_table("incoming_supply")
