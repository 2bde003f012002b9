"""Platform tables and the customer master.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from jxc.platform.db.migrations import create_platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table(
        "customer",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(40)),
        sa.Column("credit_limit", sa.Numeric(18, 4)),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("category", sa.String(50)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_index("ix_customer_code", "customer", ["code"], unique=True)


def downgrade() -> None:
    op.drop_table("customer")
