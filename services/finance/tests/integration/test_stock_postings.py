"""inventory's stock moves post to the ledger over Kafka by reason: opening
stock, count differences, scrap, customer returns; transfers post nothing; a
move dated in a closed period lands in the first open one; every posting is
announced as JournalEntryPosted on finance.events.v1."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from jxc.contracts.base import decode
from jxc.contracts.finance import JournalEntryPosted
from jxc.contracts.inventory import StockAdjusted, StockIssued, StockReceived
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send, topic_reader

from .conftest import Finance, whole_service

D = Decimal


def at(month: int, day: int) -> datetime:
    return datetime(2021, month, day, 8, 0, tzinfo=UTC)


async def test_stock_moves_post_by_reason(finance: Finance, infra: Infrastructure) -> None:
    stock: dict[str, Any] = {"warehouse_id": uuid.uuid4(), "product_id": uuid.uuid4(),
                             "currency": "CNY", "unit_cost": D(20), "on_hand_after": D(1)}

    def received(reason: str, total: str, when: datetime) -> StockReceived:
        return StockReceived(**stock, move_id=uuid.uuid4(), quantity=D(1),
                             total_cost=D(total), reason=reason, occurred_at=when)

    def issued(reason: str, total: str, when: datetime) -> StockIssued:
        return StockIssued(**stock, move_id=uuid.uuid4(), quantity=D(1), total_cost=D(total),
                           reason=reason, occurred_at=when)

    def adjusted(delta: str, total: str, when: datetime) -> StockAdjusted:
        return StockAdjusted(**stock, move_id=uuid.uuid4(), quantity_delta=D(delta),
                             total_cost=D(total), reason="count", occurred_at=when)

    await finance.post("periods/2021-03/close", {}, expect=200)
    late = issued("sale", "30", at(3, 15))
    async with whole_service(finance, infra), \
            topic_reader(infra.kafka_bootstrap, "finance.events.v1") as reader:
        for message in (received("opening", "500", at(2, 1)),
                        adjusted("-2", "-40", at(2, 5)), adjusted("1", "20", at(2, 6)),
                        issued("scrap", "10", at(2, 7)),
                        received("sales_return", "60", at(2, 8)),
                        received("transfer", "99", at(2, 9)), issued("transfer", "99", at(2, 9)),
                        late):
            await send(infra, message, new_id())

        async def late_posted() -> bool:
            found = await finance.get("journal-entries", period="2021-04")
            return len(found["items"]) == 1
        await eventually(late_posted, timeout=120, what="the late sale's COGS")

        [moved] = (await finance.get("journal-entries", period="2021-04"))["items"]
        assert moved["posted_on"] == "2021-04-01"
        assert moved["source_type"] == "inventory.StockIssued"
        assert moved["source_id"].startswith(str(late.move_id))
        feb = (await finance.get("journal-entries", period="2021-02"))["items"]
        assert len(feb) == 5  # transfers post nothing

        trial = await finance.get("trial-balance", **{"from": "2021-02-01",
                                                       "as_of": "2021-03-31"})
        assert {i["account_code"]: i["balance"] for i in trial["items"]} == {
            "1405": "530.00", "1901": "30.00", "4104": "-500.00", "6401": "-60.00"}

        async def announced() -> bool:
            records = await reader.read(0, timeout=5)
            numbers = {getattr(decode(reader.headers(r).get("ce_type", ""), r.value),
                               "number", None) for r in records}
            return moved["number"] in numbers
        await eventually(announced, timeout=120, what="JournalEntryPosted on the bus")
        for record in reader.records:
            message = decode(reader.headers(record).get("ce_type", ""), record.value)
            if isinstance(message, JournalEntryPosted) and message.number == moved["number"]:
                assert [(x.account_code, x.debit) for x in message.lines] == [
                    ("6401", D(30)), ("1405", D(0))]
