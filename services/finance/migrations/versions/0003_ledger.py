"""The general ledger, the chart of accounts (seeded with the default chart),
receivables and payables, and the credit check's tables.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The default chart as of this revision (frozen here: later changes to the
# domain's DEFAULT_CHART need a migration of their own).
CHART = [
    ("1001", "库存现金 Cash on hand", "asset", None),
    ("1002", "银行存款 Bank deposits", "asset", None),
    ("1122", "应收账款 Accounts receivable", "asset", None),
    ("1123", "预付账款 Prepayments", "asset", None),
    ("1405", "库存商品 Goods in stock", "asset", None),
    ("1901", "待处理财产损溢 Pending losses on assets", "asset", None),
    ("2202", "应付账款 Accounts payable", "liability", None),
    ("220201", "应付账款-供应商 Payables to suppliers", "liability", "2202"),
    ("220202", "应付账款-暂估 Goods received not invoiced", "liability", "2202"),
    ("2203", "预收账款 Advances from customers", "liability", None),
    ("2221", "应交税费-应交增值税 VAT payable", "liability", None),
    ("222101", "应交增值税-进项税额 Input VAT", "liability", "2221"),
    ("222102", "应交增值税-销项税额 Output VAT", "liability", "2221"),
    ("4001", "实收资本 Paid-in capital", "equity", None),
    ("4103", "本年利润 Current-year profit", "equity", None),
    ("4104", "利润分配 Profit distribution", "equity", None),
    ("5001", "生产成本 Production cost", "cost", None),
    ("6001", "主营业务收入 Revenue", "revenue", None),
    ("6051", "其他业务收入 Other revenue", "revenue", None),
    ("6401", "主营业务成本 Cost of sales", "expense", None),
    ("6601", "销售费用 Selling expenses", "expense", None),
    ("6602", "管理费用 Administrative expenses", "expense", None),
    ("6603", "财务费用 Financial expenses", "expense", None),
    ("6711", "营业外支出 Non-operating expenses", "expense", None),
]


def _money(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(18, 2), nullable=False, server_default=sa.text("0"))


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                     server_default=sa.func.now())


def upgrade() -> None:
    account = op.create_table(
        "account",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(16), sa.ForeignKey("account.code"), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        _created(),
    )
    op.bulk_insert(account, [{"code": c, "name": n, "type": t, "parent_code": p}
                             for c, n, t, p in CHART])
    op.create_table(
        "fiscal_period",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("status", sa.String(8), nullable=False, server_default=sa.text("'open'")),
        sa.Column("next_number", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "journal_entry",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.String(24), nullable=False, unique=True),
        sa.Column("period", sa.String(7), sa.ForeignKey("fiscal_period.period"),
                  nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("posted_on", sa.Date, nullable=False),
        sa.Column("source_type", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("memo", sa.String(500), nullable=True),
        sa.Column("reverses", sa.Uuid, sa.ForeignKey("journal_entry.id"), nullable=True),
        _created(),
        sa.UniqueConstraint("source_type", "source_id", name="uq_journal_entry_source"),
        sa.UniqueConstraint("period", "seq", name="uq_journal_entry_period_seq"),
    )
    op.create_index(op.f("ix_journal_entry_posted_on"), "journal_entry", ["posted_on"])
    op.create_table(
        "journal_line",
        sa.Column("entry_id", sa.Uuid, sa.ForeignKey("journal_entry.id"), primary_key=True),
        sa.Column("line_no", sa.SmallInteger, primary_key=True),
        sa.Column("account_code", sa.String(16), sa.ForeignKey("account.code"),
                  nullable=False),
        _money("debit"),
        _money("credit"),
        sa.Column("memo", sa.String(500), nullable=True),
        sa.CheckConstraint("debit >= 0 AND credit >= 0", name="ck_journal_line_positive"),
    )
    op.create_index(op.f("ix_journal_line_account_code"), "journal_line", ["account_code"])
    op.execute("""
        CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: post a reversal (红冲) instead', TG_TABLE_NAME;
        END $$
    """)
    for table in ("journal_entry", "journal_line"):
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION journal_append_only();
        """)

    op.create_table(
        "invoice",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=True),
        sa.Column("shipment_id", sa.Uuid, nullable=True),
        sa.Column("source_key", sa.String(100), nullable=False, unique=True),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("net"), _money("tax"), _money("total"), _money("allocated"),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("entry_id", sa.Uuid, nullable=True),
        _created(),
    )
    op.create_index(op.f("ix_invoice_customer_id"), "invoice", ["customer_id"])
    op.create_table(
        "bill",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("supplier_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("net"), _money("tax"), _money("total"), _money("received_value"),
        _money("allocated"),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("billed_on", sa.Date, nullable=False),
        sa.Column("entry_id", sa.Uuid, nullable=True),
        _created(),
        sa.UniqueConstraint("supplier_id", "number", name="uq_bill_supplier_number"),
    )
    op.create_index(op.f("ix_bill_supplier_id"), "bill", ["supplier_id"])
    op.create_table(
        "settlement",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("party_id", sa.Uuid, nullable=False),
        _money("amount"),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("settled_on", sa.Date, nullable=False),
        sa.Column("entry_id", sa.Uuid, nullable=True),
        _created(),
    )
    op.create_index(op.f("ix_settlement_party_id"), "settlement", ["party_id"])
    op.create_table(
        "allocation",
        sa.Column("settlement_id", sa.Uuid, sa.ForeignKey("settlement.id"), primary_key=True),
        sa.Column("document_id", sa.Uuid, primary_key=True),
        _money("amount"),
    )
    op.create_table(
        "open_order",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("open_amount", sa.Numeric(18, 4), nullable=False),
    )
    op.create_index(op.f("ix_open_order_customer_id"), "open_order", ["customer_id"])
    op.create_table(
        "credit_decision",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("amount", sa.Numeric(18, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("approved", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("available_credit", sa.Numeric(18, 4), nullable=True),
        _created(),
    )


def downgrade() -> None:
    for table in ("credit_decision", "open_order", "allocation", "settlement", "bill",
                  "invoice"):
        op.drop_table(table)
    for table in ("journal_line", "journal_entry"):
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.execute("DROP FUNCTION journal_append_only()")
    op.drop_table("journal_line")
    op.drop_table("journal_entry")
    op.drop_table("fiscal_period")
    op.drop_table("account")
