"""The lock date and the year-end close over HTTP on a real database: what is
locked is refused with the ledger unchanged, late facts move past the lock,
and closing a year carries its profit into 4104 with every statement still
agreeing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .conftest import Finance


def lines(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"account_code": code, side: amount} for code, side, amount in pairs]


SALE = lines(("1002", "debit", "113.00"), ("6001", "credit", "100.00"),
             ("222102", "credit", "13.00"))
EXPENSE = lines(("6602", "debit", "20.00"), ("1001", "credit", "20.00"))


async def _put_lock(finance: Finance, lock_date: str | None, expect: int = 200) -> Any:
    response = await finance.client.put("/api/v1/finance/lock-date",
                                        json={"lock_date": lock_date})
    assert response.status_code == expect, response.text
    return response.json()


async def test_nothing_posts_on_or_before_the_lock_date(finance: Finance) -> None:
    assert (await finance.get("lock-date"))["lock_date"] is None
    first = await finance.post("journal-entries", {"posted_on": "2026-03-05", "lines": SALE})
    assert (await _put_lock(finance, "2026-03-31"))["lock_date"] == "2026-03-31"
    size = await finance.ledger_size()

    refused = await finance.post("journal-entries", {"posted_on": "2026-03-31", "lines": SALE},
                                 expect=409)
    assert refused["code"] == "date_locked" and refused["lock_date"] == "2026-03-31"
    reversal = await finance.post(f"journal-entries/{first['id']}/reverse",
                                  {"posted_on": "2026-03-20"}, expect=409)
    assert reversal["code"] == "date_locked"
    assert await finance.ledger_size() == size
    # The month itself is still open: the lock date is a separate control.
    periods = {p["period"]: p["status"] for p in (await finance.get("periods"))["items"]}
    assert periods["2026-03"] == "open"

    await finance.post("journal-entries", {"posted_on": "2026-04-01", "lines": SALE})
    late = await finance.post("invoices", {"customer_id": str(uuid.uuid4()), "net": "100.00",
                                           "tax": "13.00", "issued_on": "2026-03-10"})
    assert late["issued_on"] == "2026-04-01", "a late fact is booked after the lock"

    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    future = await _put_lock(finance, tomorrow, expect=422)
    assert future["errors"][0]["field"] == "lock_date"
    assert (await _put_lock(finance, None))["lock_date"] is None
    await finance.post("journal-entries", {"posted_on": "2026-03-31", "lines": SALE})


async def _close_months(finance: Finance, year: int) -> None:
    for month in range(1, 13):
        await finance.post(f"periods/{year}-{month:02d}/close", {}, expect=200)


async def test_closing_a_year_carries_its_profit_into_4104(finance: Finance) -> None:
    await finance.post("journal-entries", {"posted_on": "2025-06-10", "lines": SALE})
    await finance.post("journal-entries", {"posted_on": "2025-11-30", "lines": EXPENSE})
    await finance.post("journal-entries", {"posted_on": "2026-01-15", "lines": EXPENSE})

    early = await finance.post("years/2025/close", {}, expect=409)
    assert early["code"] == "periods_open" and len(early["periods"]) == 12
    await _close_months(finance, 2025)
    closed = await finance.post("years/2025/close", {}, expect=200)
    assert closed["profit"] == "80.00" and len(closed["entries"]) == 2
    assert all(n.startswith("JE-2025-12-") for n in closed["entries"])

    income = await finance.get("reports/income-statement", **{"from": "2025-01-01",
                                                               "to": "2025-12-31"})
    assert (income["revenue"], income["net_profit"]) == ("100.00", "80.00"), \
        "the income statement leaves the closing entries out"
    year_end = await finance.get("reports/balance-sheet", as_of="2025-12-31")
    assert year_end["balanced"] and year_end["current_profit"] == "0.00"
    assert year_end["equity"] == {"4104": "80.00"}
    now = await finance.get("reports/balance-sheet", as_of="2026-01-31")
    assert now["balanced"] and now["current_profit"] == "-20.00"
    assert now["equity"] == {"4104": "80.00"}
    trial = {i["account_code"]: i for i in (await finance.get(
        "trial-balance", as_of="2025-12-31"))["items"]}
    assert trial["6001"]["balance"] == "0.00" and trial["6602"]["balance"] == "0.00"
    margins = await finance.get("margins", group_by="period", **{"from": "2025-01-01",
                                                                  "to": "2025-12-31"})
    assert margins["total"]["revenue"] == "100.00"

    size = await finance.ledger_size()
    again = await finance.post("years/2025/close", {}, expect=409)
    assert again["code"] == "year_closed"
    assert (await finance.get("lock-date"))["lock_date"] == "2025-12-31"
    moved_back = await _put_lock(finance, "2025-06-30", expect=409)
    assert moved_back["code"] == "year_closed"
    await _put_lock(finance, None, expect=409)
    locked = await finance.post("journal-entries", {"posted_on": "2025-12-31", "lines": SALE},
                                expect=409)
    assert locked["code"] == "date_locked"
    assert await finance.ledger_size() == size
    years = (await finance.get("years"))["items"]
    assert [(y["year"], y["profit"], y["entries"]) for y in years] == [
        (2025, "80.00", closed["entries"])]


async def test_years_close_in_order(finance: Finance) -> None:
    await finance.post("journal-entries", {"posted_on": "2026-02-01", "lines": SALE})
    await _close_months(finance, 2027)
    refused = await finance.post("years/2027/close", {}, expect=409)
    assert refused["code"] == "earlier_year_open" and refused["years"] == [2026]
    await _close_months(finance, 2024)
    empty = await finance.post("years/2024/close", {}, expect=200)
    assert (empty["profit"], empty["entries"]) == ("0.00", [])
    bad = await finance.client.post("/api/v1/finance/years/12/close")
    assert bad.status_code == 422
    assert date(2024, 12, 31).isoformat() == (await finance.get("lock-date"))["lock_date"]
