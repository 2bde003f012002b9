"""Customers' payment terms (days from invoice to due date).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customer", sa.Column("payment_terms_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("customer", "payment_terms_days")
