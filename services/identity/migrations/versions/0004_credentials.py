"""API keys for partner systems, signing-key retirement after a rotation and
the authentication methods a refresh-token family carries.

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


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("permissions", JSONB(), nullable=False),
        sa.Column("branches", JSONB()),
        sa.Column("warehouses", JSONB()),
        sa.Column("rate_tier", sa.String(16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_api_key_prefix", "api_key", ["prefix"], unique=True)
    op.add_column("signing_key", sa.Column("retire_after", sa.DateTime(timezone=True)))
    op.add_column("refresh_token", sa.Column("amr", JSONB(), server_default='["pwd"]',
                                             nullable=False))
    op.alter_column("refresh_token", "amr", server_default=None)


def downgrade() -> None:
    op.drop_column("refresh_token", "amr")
    op.drop_column("signing_key", "retire_after")
    op.drop_table("api_key")
