"""For any sequence of postings the ledger's debits equal its credits and the
balance sheet balances (current profit included)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jxc.finance.domain import rules
from jxc.finance.domain.accounts import DEFAULT_CHART
from jxc.finance.domain.journal import JournalEntry, Line
from jxc.finance.domain.statements import AccountBalance, balance_sheet, income_statement

DAY = date(2026, 1, 31)
CODES = [a.code for a in DEFAULT_CHART]
amounts = st.decimals(min_value=Decimal("-99999.9999"), max_value=Decimal("99999.9999"),
                      places=4, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@st.composite
def manual(draw: st.DrawFn) -> JournalEntry:
    parts = draw(st.lists(st.tuples(st.sampled_from(CODES), positive), min_size=1,
                          max_size=5))
    lines = [Line(code, debit=amount) for code, amount in parts]
    total = sum((amount for _, amount in parts), Decimal(0))
    credit_to = draw(st.sampled_from(CODES))
    lines.append(Line(credit_to, credit=total))
    return JournalEntry(DAY, "manual", "x", tuple(lines))


reasons_in = st.sampled_from(["purchase", "sales_return", "transfer", "adjustment", "opening"])
reasons_out = st.sampled_from(["sale", "purchase_return", "transfer", "adjustment", "scrap"])
postings = st.one_of(
    manual(),
    st.builds(lambda r, a: rules.stock_received(DAY, "s", r, abs(a)), reasons_in, amounts),
    st.builds(lambda r, a: rules.stock_issued(DAY, "s", r, abs(a)), reasons_out, amounts),
    st.builds(lambda a: rules.stock_adjusted(DAY, "s", a), amounts),
    st.builds(lambda n, t: rules.invoice(DAY, "i", "s", n, t), amounts, amounts),
    st.builds(lambda n, t, r: rules.bill(DAY, "s", abs(n), abs(t), abs(r)),
              amounts, amounts, amounts),
    st.builds(lambda a, u: rules.receipt(DAY, "s", abs(a), unallocated=min(abs(u), abs(a))),
              amounts, amounts),
    st.builds(lambda a, u: rules.payment(DAY, "s", abs(a), unallocated=min(abs(u), abs(a))),
              amounts, amounts),
)


@given(st.lists(postings, max_size=40))
def test_any_postings_keep_the_books_balanced(entries: list[JournalEntry | None]) -> None:
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for entry in entries:
        if entry is None:
            continue
        debits, credits = entry.totals
        assert debits == credits
        for line in entry.lines:
            sums[line.account_code][0] += line.debit
            sums[line.account_code][1] += line.credit
    chart = {a.code: a for a in DEFAULT_CHART}
    rows = [AccountBalance(code, chart[code].name, chart[code].type, d, c)
            for code, (d, c) in sums.items()]
    assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
    sheet = balance_sheet(rows)
    assert sheet.balances, sheet
    assert sheet.current_profit == income_statement(rows).net_profit
