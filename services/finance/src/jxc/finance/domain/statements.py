"""Statements from account balances, pure.

A balance is debits minus credits. Revenue and expense accounts make the
period's profit; the balance sheet shows it as current profit under equity
(no closing entries are needed for it to balance). Sub-accounts (codes longer
than four digits) roll into their first-level account, so 222101 input VAT and
222102 output VAT show as the net VAT payable under 2221."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from jxc.finance.domain import accounts as acc
from jxc.finance.domain.accounts import AccountType, debit_normal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AccountBalance:
    code: str
    name: str
    type: AccountType
    debit: Decimal
    credit: Decimal

    @property
    def net(self) -> Decimal:
        """Debits minus credits."""
        return self.debit - self.credit

    @property
    def balance(self) -> Decimal:
        """On the account's normal side (a liability's credit balance is positive)."""
        return self.net if debit_normal(self.type) else -self.net


@dataclass(frozen=True)
class IncomeStatement:
    revenue: Decimal
    cost_of_sales: Decimal
    gross_profit: Decimal
    other_revenue: Decimal
    expenses: dict[str, Decimal]
    net_profit: Decimal


@dataclass(frozen=True)
class BalanceSheet:
    assets: dict[str, Decimal]
    liabilities: dict[str, Decimal]
    equity: dict[str, Decimal]
    current_profit: Decimal
    total_assets: Decimal
    total_liabilities: Decimal
    total_equity: Decimal

    @property
    def balances(self) -> bool:
        return self.total_assets == self.total_liabilities + self.total_equity


def income_statement(rows: Iterable[AccountBalance]) -> IncomeStatement:
    revenue = cost = other = ZERO
    expenses: dict[str, Decimal] = {}
    for row in rows:
        if row.type is AccountType.REVENUE:
            if row.code == acc.REVENUE:
                revenue += row.balance
            else:
                other += row.balance
        elif row.type is AccountType.EXPENSE:
            if row.code == acc.COST_OF_SALES:
                cost += row.balance
            elif row.balance:
                expenses[row.code] = expenses.get(row.code, ZERO) + row.balance
    gross = revenue - cost
    return IncomeStatement(revenue, cost, gross, other, expenses,
                           gross + other - sum(expenses.values(), ZERO))


def balance_sheet(rows: Iterable[AccountBalance]) -> BalanceSheet:
    assets: dict[str, Decimal] = {}
    liabilities: dict[str, Decimal] = {}
    equity: dict[str, Decimal] = {}
    profit = ZERO
    for row in rows:
        if row.type in (AccountType.ASSET, AccountType.COST):
            target = assets
        elif row.type is AccountType.LIABILITY:
            target = liabilities
        elif row.type is AccountType.EQUITY:
            target = equity
        else:
            profit -= row.net  # revenue credits raise profit, expense debits lower it
            continue
        if row.net:
            head = row.code[:4]  # sub-accounts roll into their first-level account
            target[head] = target.get(head, ZERO) + row.balance
    total_assets = sum(assets.values(), ZERO)
    total_liabilities = sum(liabilities.values(), ZERO)
    total_equity = sum(equity.values(), ZERO) + profit
    return BalanceSheet(assets, liabilities, equity, profit, total_assets, total_liabilities,
                        total_equity)
