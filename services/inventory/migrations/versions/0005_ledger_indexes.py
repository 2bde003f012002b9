"""Indexes the benchmarks asked for: the ledger by warehouse (a warehouse's
ledger page, full stocktakes) and incoming supply by product and warehouse
(projected stock), replacing the warehouse-only one.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stock_ledger_warehouse_seq", "stock_ledger", ["warehouse_id", "seq"])
    op.drop_index("ix_incoming_supply_warehouse_id", table_name="incoming_supply")
    op.create_index("ix_incoming_supply_product_warehouse", "incoming_supply",
                    ["product_id", "warehouse_id"])


def downgrade() -> None:
    op.drop_index("ix_incoming_supply_product_warehouse", table_name="incoming_supply")
    op.create_index("ix_incoming_supply_warehouse_id", "incoming_supply", ["warehouse_id"])
    op.drop_index("ix_stock_ledger_warehouse_seq", table_name="stock_ledger")
