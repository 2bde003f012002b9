"""Year-end close, pure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jxc.finance.domain.accounts import AccountType
from jxc.finance.domain.closing import close_year
from jxc.finance.domain.statements import AccountBalance, balance_sheet, income_statement

D = Decimal


def _row(code: str, type_: AccountType, debit: str, credit: str) -> AccountBalance:
    return AccountBalance(code, code, type_, D(debit), D(credit))


YEAR = [
    _row("1002", AccountType.ASSET, "1220.40", "1130.00"),
    _row("1405", AccountType.ASSET, "1000.00", "600.00"),
    _row("2202", AccountType.LIABILITY, "1130.00", "1130.00"),
    _row("2221", AccountType.LIABILITY, "130.00", "140.40"),
    _row("6001", AccountType.REVENUE, "20.00", "1100.00"),
    _row("6401", AccountType.EXPENSE, "600.00", "0.00"),
]


def _apply(rows: list[AccountBalance], lines) -> list[AccountBalance]:  # type: ignore[no-untyped-def]
    totals = {r.code: r for r in rows}
    for line in lines:
        old = totals.get(line.account_code) or _row(
            line.account_code, AccountType.EQUITY, "0", "0")
        totals[line.account_code] = AccountBalance(old.code, old.name, old.type,
                                                   old.debit + line.debit,
                                                   old.credit + line.credit)
    return list(totals.values())


def test_profit_goes_to_4103_then_4104_and_pnl_accounts_end_at_zero() -> None:
    closing = close_year(2026, YEAR)
    assert closing.profit == D("480.00")
    profit_entry, distribution = closing.entries
    assert profit_entry.posted_on == date(2026, 12, 31)
    assert profit_entry.source_id == "2026/profit"
    assert {(x.account_code, x.debit, x.credit) for x in profit_entry.lines} == {
        ("6001", D("1080.00"), D("0.00")), ("6401", D("0.00"), D("600.00")),
        ("4103", D("0.00"), D("480.00"))}
    assert {(x.account_code, x.debit, x.credit) for x in distribution.lines} == {
        ("4103", D("480.00"), D("0.00")), ("4104", D("0.00"), D("480.00"))}

    before = balance_sheet(YEAR)
    assert before.balances and before.current_profit == D("480.00")
    after_rows = _apply(YEAR, [*profit_entry.lines, *distribution.lines])
    after = balance_sheet(after_rows)
    assert after.balances and after.current_profit == 0
    assert after.equity == {"4104": D("480.00")}
    assert after.total_assets == before.total_assets
    assert income_statement([r for r in after_rows if r.code in ("6001", "6401")]).net_profit == 0


def test_a_loss_is_debited_to_4104() -> None:
    closing = close_year(2026, [_row("6602", AccountType.EXPENSE, "50.00", "0.00"),
                                _row("1001", AccountType.ASSET, "0.00", "50.00")])
    assert closing.profit == D("-50.00")
    distribution = closing.entries[1]
    assert {(x.account_code, x.debit, x.credit) for x in distribution.lines} == {
        ("4103", D("0.00"), D("50.00")), ("4104", D("50.00"), D("0.00"))}


def test_manual_transfers_into_4103_during_the_year_move_on_too() -> None:
    closing = close_year(2026, [_row("6001", AccountType.REVENUE, "0.00", "100.00")],
                         current_profit_balance=D("-30.00"))
    assert closing.profit == D("100.00")
    distribution = closing.entries[1]
    assert {(x.account_code, x.debit, x.credit) for x in distribution.lines} == {
        ("4103", D("130.00"), D("0.00")), ("4104", D("0.00"), D("130.00"))}


def test_a_year_without_results_posts_nothing() -> None:
    assert close_year(2026, [_row("1001", AccountType.ASSET, "10.00", "10.00")]).entries == ()
