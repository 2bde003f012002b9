"""Inventory value projection per product and warehouse, for reconciling
goods in stock (1405) with inventory's stock events.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inventory_value",
        sa.Column("product_id", sa.Uuid, primary_key=True),
        sa.Column("warehouse_id", sa.Uuid, primary_key=True),
        sa.Column("value", sa.Numeric(18, 4), nullable=False, server_default=sa.text("0")),
        sa.Column("value_cents", sa.Numeric(18, 2), nullable=False, server_default=sa.text("0")),
        sa.Column("moves", sa.Integer, nullable=False, server_default=sa.text("0")),
    )


def downgrade() -> None:
    op.drop_table("inventory_value")
