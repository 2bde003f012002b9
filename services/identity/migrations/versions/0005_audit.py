"""The audit trail: every service's audit records and identity's security
events in one hash chain; UPDATE, DELETE and TRUNCATE are refused.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sa.Text
    op.create_table(
        "audit_record",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("source_service", text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("actor_id", text(), nullable=False),
        sa.Column("actor_name", text(), nullable=False),
        sa.Column("actor_kind", text(), nullable=False),
        sa.Column("action", text(), nullable=False),
        sa.Column("resource", text(), nullable=False),
        sa.Column("outcome", text(), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("ip", text(), nullable=False),
        sa.Column("user_agent", text(), nullable=False),
        sa.Column("request_id", text(), nullable=False),
        sa.Column("trace_id", text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("record_id"),
    )
    op.create_index("ix_audit_record_occurred_at", "audit_record", ["occurred_at"])
    op.create_index("ix_audit_record_actor_id", "audit_record", ["actor_id"])
    op.execute("""
        CREATE FUNCTION audit_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_record is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
    """)
    op.execute("""
        CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record
            FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()
    """)
    op.execute("""
        CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record
            FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only()
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_record_no_truncate ON audit_record")
    op.execute("DROP TRIGGER audit_record_append_only ON audit_record")
    op.execute("DROP TABLE audit_record")
    op.execute("DROP FUNCTION audit_record_append_only()")
