"""The chart of accounts and the general ledger over HTTP on a real database:
balanced entries numbered without gaps, refusals that leave the ledger as it
was, closed periods, reversals instead of edits, and the append-only trigger."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from jxc.finance.adapters.tables import fiscal_period
from jxc.platform.db.tables import outbox

from .conftest import Finance


def lines(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"account_code": code, side: amount} for code, side, amount in pairs]


SALE = lines(("1002", "debit", "113.00"), ("6001", "credit", "100"),
             ("222102", "credit", "13.00"))


async def test_the_default_chart_is_seeded_and_editable(finance: Finance) -> None:
    chart = {a["code"]: a for a in (await finance.get("accounts"))["items"]}
    for code in ("1001", "1002", "1122", "1123", "1405", "1901", "2202", "220202", "2203",
                 "2221", "222101", "222102", "4103", "4104", "6001", "6401", "6602", "6711"):
        assert code in chart
    assert chart["220202"]["parent_code"] == "2202"
    assert chart["6401"]["type"] == "expense" and chart["1405"]["type"] == "asset"

    created = await finance.post("accounts", {"code": "660201", "name": "办公费 Office",
                                              "type": "expense", "parent_code": "6602"})
    assert created["version"] == 1
    wrong = await finance.post("accounts", {"code": "660202", "name": "x", "type": "asset",
                                            "parent_code": "6602"}, expect=422)
    assert wrong["errors"][0]["field"] == "type"
    await finance.post("accounts", {"code": "660201", "name": "again", "type": "expense"},
                       expect=409)
    await finance.post("accounts", {"code": "66x", "name": "bad", "type": "expense"},
                       expect=422)
    await finance.post("accounts", {"code": "6699", "name": "bad", "type": "nonsense"},
                       expect=422)

    current = await finance.client.get("/api/v1/finance/accounts/660201")
    renamed = await finance.client.patch("/api/v1/finance/accounts/660201",
                                         json={"name": "办公费"},
                                         headers={"If-Match": current.headers["etag"]})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    stale = await finance.client.patch("/api/v1/finance/accounts/660201", json={"name": "y"},
                                       headers={"If-Match": current.headers["etag"]})
    assert stale.status_code == 412

    await finance.post("journal-entries", {"posted_on": "2026-02-01", "lines": lines(
        ("660201", "debit", "5"), ("1001", "credit", "5"))})
    retype = await finance.client.patch("/api/v1/finance/accounts/660201",
                                        json={"type": "asset"})
    assert retype.status_code == 409 and retype.json()["code"] == "account_in_use"
    off = await finance.client.patch("/api/v1/finance/accounts/660201", json={"active": False})
    assert off.json()["active"] is False
    refused = await finance.post("journal-entries", {"posted_on": "2026-02-01", "lines": lines(
        ("660201", "debit", "5"), ("1001", "credit", "5"))}, expect=422)
    assert refused["code"] == "unknown_account"


async def test_manual_entries_post_balanced_and_are_announced(finance: Finance) -> None:
    posted = await finance.post("journal-entries", {"posted_on": "2026-03-05",
                                                    "memo": "cash sale", "lines": SALE})
    assert posted["number"] == "JE-2026-03-000001"
    assert [(x["account_code"], x["debit"], x["credit"]) for x in posted["lines"]] == [
        ("1002", "113.00", "0.00"), ("6001", "0.00", "100.00"), ("222102", "0.00", "13.00")]
    again = await finance.post("journal-entries", {"posted_on": "2026-03-31", "lines": SALE})
    assert again["number"] == "JE-2026-03-000002"
    other = await finance.post("journal-entries", {"posted_on": "2026-04-01", "lines": SALE})
    assert other["number"] == "JE-2026-04-000001"
    fetched = await finance.get(f"journal-entries/{posted['id']}")
    assert fetched["memo"] == "cash sale"
    listed = await finance.get("journal-entries", period="2026-03", limit=1)
    assert [e["number"] for e in listed["items"]] == ["JE-2026-03-000001"]
    nxt = await finance.get("journal-entries", period="2026-03", cursor=listed["next_cursor"])
    assert [e["number"] for e in nxt["items"]] == ["JE-2026-03-000002"]

    async with finance.db.session() as session:
        announced = (await session.execute(select(outbox.c.payload).where(
            outbox.c.type == "jxc.finance.JournalEntryPosted.v1"))).scalars().all()
    assert {p["number"] for p in announced} == {
        "JE-2026-03-000001", "JE-2026-03-000002", "JE-2026-04-000001"}
    assert announced[0]["lines"][0]["debit"] == "113.0000"


@pytest.mark.parametrize(("body", "code"), [
    ({"posted_on": "2026-03-05", "lines": lines(("1002", "debit", "113.00"),
                                                ("6001", "credit", "100.00"))},
     "unbalanced_entry"),
    ({"posted_on": "2026-03-05", "lines": lines(("1002", "debit", "1.005"),
                                                ("6001", "credit", "1.005"))}, "invalid_line"),
    ({"posted_on": "2026-03-05", "lines": lines(("1002", "debit", "-1"),
                                                ("6001", "credit", "-1"))}, "invalid_line"),
    ({"posted_on": "2026-03-05", "lines": [{"account_code": "1002"},
                                           {"account_code": "6001"}]}, "invalid_line"),
    ({"posted_on": "2026-03-05", "lines": lines(("9999", "debit", "1"),
                                                ("6001", "credit", "1"))}, "unknown_account"),
    ({"posted_on": "2026-03-05", "currency": "USD", "lines": SALE}, "currency_mismatch"),
    ({"posted_on": "2026-03-05", "lines": SALE[:1]}, "validation_error"),
    ({"posted_on": "not a date", "lines": SALE}, "validation_error"),
])
async def test_bad_entries_are_refused_and_change_nothing(finance: Finance, body: dict[str, Any],
                                                          code: str) -> None:
    before = await finance.ledger_size()
    problem = await finance.post("journal-entries", body, expect=422)
    assert problem["code"] == code, problem
    assert problem["detail"]
    if code == "unbalanced_entry":
        assert (problem["debit"], problem["credit"], problem["difference"]) == (
            "113.00", "100.00", "13.00")
    assert await finance.ledger_size() == before


async def test_closed_periods_refuse_postings(finance: Finance) -> None:
    await finance.post("journal-entries", {"posted_on": "2026-05-10", "lines": SALE})
    closed = await finance.post("periods/2026-05/close", {}, expect=200)
    assert (closed["status"], closed["entries"]) == ("closed", 1)
    before = await finance.ledger_size()
    problem = await finance.post("journal-entries", {"posted_on": "2026-05-31", "lines": SALE},
                                 expect=409)
    assert (problem["code"], problem["period"]) == ("period_closed", "2026-05")
    assert (await finance.post("periods/2026-05/close", {}, expect=409))["code"] == \
        "period_closed"
    await finance.post("periods/2026-13/close", {}, expect=422)
    # A period closed before anything was posted in it is closed too.
    await finance.post("periods/2026-07/close", {}, expect=200)
    await finance.post("journal-entries", {"posted_on": "2026-07-01", "lines": SALE},
                       expect=409)
    assert await finance.ledger_size() == before
    periods = {p["period"]: p["status"] for p in (await finance.get("periods"))["items"]}
    assert periods == {"2026-05": "closed", "2026-07": "closed"}


async def test_reversal_instead_of_edit(finance: Finance) -> None:
    original = await finance.post("journal-entries", {"posted_on": "2026-06-02",
                                                      "lines": SALE})
    await finance.post("periods/2026-06/close", {}, expect=200)
    # The reversal lands in an open period, never in the closed one.
    refused = await finance.post(f"journal-entries/{original['id']}/reverse",
                                 {"posted_on": "2026-06-30"}, expect=409)
    assert refused["code"] == "period_closed"
    red = await finance.post(f"journal-entries/{original['id']}/reverse",
                             {"posted_on": "2026-08-01"})
    assert red["reverses"] == original["id"]
    assert red["number"] == "JE-2026-08-000001"
    assert [(x["account_code"], x["debit"], x["credit"]) for x in red["lines"]] == [
        ("1002", "0.00", "113.00"), ("6001", "100.00", "0.00"), ("222102", "13.00", "0.00")]
    assert (await finance.get(f"journal-entries/{original['id']}"))["reversed_by"] == red["id"]
    twice = await finance.post(f"journal-entries/{original['id']}/reverse",
                               {"posted_on": "2026-08-01"}, expect=409)
    assert twice["code"] == "already_reversed"
    await finance.post(f"journal-entries/{red['id']}/reverse", {"posted_on": "2026-08-01"},
                       expect=409)
    tb = await finance.get("trial-balance")
    assert all(item["balance"] == "0.00" for item in tb["items"])
    assert tb["balanced"] is True

    for statement in ("UPDATE journal_line SET debit = 1",
                      "DELETE FROM journal_line",
                      "UPDATE journal_entry SET memo = 'edited'",
                      "DELETE FROM journal_entry"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with finance.db.transaction() as session:
                await session.execute(text(statement))


async def test_concurrent_postings_are_numbered_without_gaps(finance: Finance) -> None:
    async def one(i: int) -> int:
        response = await finance.client.post("/api/v1/finance/journal-entries", json={
            "posted_on": "2026-09-15", "lines": SALE if i % 5 else SALE[:2]})
        return response.status_code
    outcomes = await asyncio.gather(*(one(i) for i in range(30)))
    assert outcomes.count(201) == 24 and outcomes.count(422) == 6
    numbers = sorted(e["number"] for e in (await finance.get(
        "journal-entries", period="2026-09"))["items"])
    assert numbers == [f"JE-2026-09-{n:06d}" for n in range(1, 25)]
    async with finance.db.session() as session:
        counter = (await session.execute(select(fiscal_period.c.next_number).where(
            fiscal_period.c.period == "2026-09"))).scalar_one()
    assert counter == 25


async def test_concurrent_reversals_reverse_once(finance: Finance) -> None:
    original = await finance.post("journal-entries", {"posted_on": "2026-10-02", "lines": SALE})

    async def reverse() -> int:
        response = await finance.client.post(
            f"/api/v1/finance/journal-entries/{original['id']}/reverse",
            json={"posted_on": "2026-10-03"})
        return response.status_code
    assert sorted(await asyncio.gather(*(reverse() for _ in range(5)))) == [201] + [409] * 4
