"""Idempotency keys: a POST's ``Idempotency-Key`` and the response it got.

Revision ID: 0002
Revises: 0001
"""

from jxc.platform.db.migrations import create_platform_table, drop_platform_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_table("idempotency_key")


def downgrade() -> None:
    drop_platform_table("idempotency_key")
