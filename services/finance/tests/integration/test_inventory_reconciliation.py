"""Goods in stock (1405) against the projection of inventory's stock events:
the difference splits exactly into other postings (a manual entry, a bill's
price variance) and rounding from four places to two."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from jxc.contracts.inventory import StockIssued, StockReceived
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send

from .conftest import Finance, whole_service

D = Decimal


def at(day: int) -> datetime:
    return datetime(2025, 9, day, 8, 0, tzinfo=UTC)


async def test_inventory_reconciles_by_cause(finance: Finance, infra: Infrastructure) -> None:
    product, main, branch = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def move(cls: type, warehouse: uuid.UUID, reason: str, total: str) -> object:
        return cls(warehouse_id=warehouse, product_id=product, move_id=uuid.uuid4(),
                   quantity=D(1), unit_cost=D(total), total_cost=D(total), currency="CNY",
                   reason=reason, on_hand_after=D(1), occurred_at=at(3))

    api_client = finance.client
    async with whole_service(finance, infra):
        for message in (move(StockReceived, main, "purchase", "100.0050"),
                        move(StockIssued, main, "sale", "30.0040"),
                        move(StockIssued, main, "transfer", "20"),
                        move(StockReceived, branch, "transfer", "20")):
            await send(infra, message, new_id())  # type: ignore[arg-type]

        async def projected() -> bool:
            r = await finance.get("reconciliation/inventory")
            return sum(p["moves"] for p in r["projection"]) == 4
        await eventually(projected, timeout=120, what="the stock events")
    finance.client = api_client
    await finance.post("journal-entries", {"posted_on": "2025-09-05", "lines": [
        {"account_code": "1405", "debit": "10"}, {"account_code": "1901", "credit": "10"}]})

    r = await finance.get("reconciliation/inventory")
    # ledger: 100.01 − 30.00 + 10 (manual) = 80.01; projected 100.0050 − 30.0040 = 70.0010
    assert (r["ledger_balance"], r["projected_value"], r["difference"]) == (
        "80.0100", "70.0010", "10.0090")
    assert [(c["cause"], c["source_type"], c["amount"]) for c in r["causes"]] == [
        ("other_postings", "finance.Manual", "10.0000"), ("rounding", None, "0.0090")]
    assert {(p["warehouse_id"], p["value"]) for p in r["projection"]} == {
        (str(main), "50.0010"), (str(branch), "20.0000")}
    assert sum(D(c["amount"]) for c in r["causes"]) == D(r["difference"])
