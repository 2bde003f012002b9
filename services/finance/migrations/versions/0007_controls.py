"""Controls: lock date and year-end close; line-level three-way match with an
exception list; applying advances, prepayments, credit and debit notes;
payment terms per customer and supplier; invoicing shipments on demand.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _money(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Numeric(18, 2), nullable=False, server_default=sa.text("0"))


def _created() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                     server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "ledger_lock",
        sa.Column("id", sa.Boolean, primary_key=True, server_default=sa.text("true")),
        sa.Column("lock_date", sa.Date, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("id", name="ck_ledger_lock_single_row"),
    )
    op.execute("INSERT INTO ledger_lock (id) VALUES (true)")
    op.create_table(
        "fiscal_year",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(8), nullable=False, server_default=sa.text("'closed'")),
        sa.Column("profit", sa.Numeric(18, 2), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )

    op.create_table(
        "purchase_order",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("supplier_id", sa.Uuid, nullable=False, index=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'open'")),
        sa.Column("revision", sa.Integer, nullable=False, server_default=sa.text("1")),
    )
    op.create_table(
        "purchase_order_line",
        sa.Column("order_id", sa.Uuid, sa.ForeignKey("purchase_order.order_id"),
                  primary_key=True),
        sa.Column("line_no", sa.SmallInteger, primary_key=True),
        sa.Column("product_id", sa.Uuid, nullable=False),
        sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
        sa.Column("tax_rate", sa.Numeric(7, 4), nullable=False),
    )
    op.create_table(
        "grni_line",
        sa.Column("document_id", sa.Uuid, sa.ForeignKey("grni_document.document_id"),
                  primary_key=True),
        sa.Column("line_no", sa.SmallInteger, primary_key=True),
        sa.Column("order_id", sa.Uuid, nullable=False, index=True),
        sa.Column("product_id", sa.Uuid, nullable=False),
        sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("unit_cost", sa.Numeric(18, 4), nullable=False),
    )
    op.create_table(
        "bill_line",
        sa.Column("bill_id", sa.Uuid, sa.ForeignKey("bill.id"), primary_key=True),
        sa.Column("line_no", sa.SmallInteger, primary_key=True),
        sa.Column("product_id", sa.Uuid, nullable=False, index=True),
        sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
        _money("net"),
    )
    op.add_column("bill", sa.Column("match_status", sa.String(16), nullable=False,
                                    server_default=sa.text("'not_matched'")))
    op.create_table(
        "match_exception",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("bill_id", sa.Uuid, sa.ForeignKey("bill.id"), nullable=False, index=True),
        sa.Column("line_no", sa.SmallInteger, nullable=True),
        sa.Column("product_id", sa.Uuid, nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("expected", sa.Numeric(18, 4), nullable=True),
        sa.Column("actual", sa.Numeric(18, 4), nullable=True),
        sa.Column("tolerance", sa.Numeric(18, 4), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'open'")),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.String(500), nullable=True),
        _created(),
    )
    op.create_index("ix_match_exception_open", "match_exception", ["status", "created_at"])

    op.add_column("settlement", _money("applied"))
    op.execute("UPDATE settlement s SET applied = coalesce("
               "(SELECT sum(a.amount) FROM allocation a WHERE a.settlement_id = s.id), 0)")
    op.create_table(
        "application",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_id", sa.Uuid, nullable=False, index=True),
        sa.Column("document_id", sa.Uuid, nullable=False, index=True),
        _money("amount"),
        sa.Column("applied_on", sa.Date, nullable=False),
        sa.Column("entry_id", sa.Uuid, nullable=True),
        _created(),
    )

    op.add_column("customer_credit", sa.Column("payment_terms_days", sa.Integer, nullable=True))
    op.create_table(
        "supplier_terms",
        sa.Column("supplier_id", sa.Uuid, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "uninvoiced_shipment",
        sa.Column("shipment_id", sa.Uuid, primary_key=True),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("customer_id", sa.Uuid, nullable=False, index=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("net", sa.Numeric(18, 4), nullable=False),
        sa.Column("tax", sa.Numeric(18, 4), nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("shipped_on", sa.Date, nullable=False),
        sa.Column("invoice_id", sa.Uuid, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("uninvoiced_shipment")
    op.drop_table("supplier_terms")
    op.drop_column("customer_credit", "payment_terms_days")
    op.drop_table("application")
    op.drop_column("settlement", "applied")
    op.drop_index("ix_match_exception_open", table_name="match_exception")
    op.drop_table("match_exception")
    op.drop_column("bill", "match_status")
    op.drop_table("bill_line")
    op.drop_table("grni_line")
    op.drop_table("purchase_order_line")
    op.drop_table("purchase_order")
    op.drop_table("fiscal_year")
    op.drop_table("ledger_lock")
