"""The chart of accounts: account types, which side each type grows on, and
the default chart (Chinese small-enterprise standard numbering as the team
uses it, plus a GRNI sub-account of 2202)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"
    COST = "cost"
    """成本类 (production cost): carried on the balance sheet with the assets."""


DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE, AccountType.COST})
PROFIT_AND_LOSS = frozenset({AccountType.REVENUE, AccountType.EXPENSE})


def debit_normal(account_type: AccountType) -> bool:
    return account_type in DEBIT_NORMAL


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    type: AccountType
    parent_code: str | None = None


# Codes the posting rules rely on.
CASH = "1001"
BANK = "1002"
RECEIVABLES = "1122"
PREPAYMENTS = "1123"
GOODS = "1405"
PENDING_LOSSES = "1901"
PAYABLES = "2202"
GRNI = "220202"
ADVANCES_FROM_CUSTOMERS = "2203"
VAT = "2221"
INPUT_VAT = "222101"
OUTPUT_VAT = "222102"
CURRENT_PROFIT = "4103"
PROFIT_DISTRIBUTION = "4104"
REVENUE = "6001"
COST_OF_SALES = "6401"
ADMIN_EXPENSES = "6602"
NON_OPERATING_EXPENSES = "6711"

A, L, E, R, X, C = (AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY,
                    AccountType.REVENUE, AccountType.EXPENSE, AccountType.COST)

DEFAULT_CHART: tuple[Account, ...] = (
    Account(CASH, "库存现金 Cash on hand", A),
    Account(BANK, "银行存款 Bank deposits", A),
    Account(RECEIVABLES, "应收账款 Accounts receivable", A),
    Account(PREPAYMENTS, "预付账款 Prepayments", A),
    Account(GOODS, "库存商品 Goods in stock", A),
    Account(PENDING_LOSSES, "待处理财产损溢 Pending losses on assets", A),
    Account(PAYABLES, "应付账款 Accounts payable", L),
    Account("220201", "应付账款-供应商 Payables to suppliers", L, PAYABLES),
    Account(GRNI, "应付账款-暂估 Goods received not invoiced", L, PAYABLES),
    Account(ADVANCES_FROM_CUSTOMERS, "预收账款 Advances from customers", L),
    Account(VAT, "应交税费-应交增值税 VAT payable", L),
    Account(INPUT_VAT, "应交增值税-进项税额 Input VAT", L, VAT),
    Account(OUTPUT_VAT, "应交增值税-销项税额 Output VAT", L, VAT),
    Account("4001", "实收资本 Paid-in capital", E),
    Account(CURRENT_PROFIT, "本年利润 Current-year profit", E),
    Account(PROFIT_DISTRIBUTION, "利润分配 Profit distribution", E),
    Account("5001", "生产成本 Production cost", C),
    Account(REVENUE, "主营业务收入 Revenue", R),
    Account("6051", "其他业务收入 Other revenue", R),
    Account(COST_OF_SALES, "主营业务成本 Cost of sales", X),
    Account("6601", "销售费用 Selling expenses", X),
    Account(ADMIN_EXPENSES, "管理费用 Administrative expenses", X),
    Account("6603", "财务费用 Financial expenses", X),
    Account(NON_OPERATING_EXPENSES, "营业外支出 Non-operating expenses", X),
)
