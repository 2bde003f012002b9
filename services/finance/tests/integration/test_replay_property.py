"""Property, on the real database through finance's own consumer handlers:
for any sequence of business events the ledger's debits equal its credits,
the balance sheet balances with the current profit, and replaying the same
events again changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from jxc.contracts.base import Message
from jxc.contracts.inventory import StockAdjusted, StockIssued, StockReceived
from jxc.contracts.procurement import GoodsReceived, GoodsReturned, ReceiptLine, ReturnLine
from jxc.contracts.sales import (
    ReturnedLine,
    SalesLine,
    SalesOrderConfirmed,
    SalesOrderShipped,
    SalesReturnReceived,
)
from jxc.finance.adapters.tables import journal_entry
from jxc.finance.bootstrap import MIGRATIONS
from jxc.finance.domain.accounts import AccountType
from jxc.finance.domain.statements import AccountBalance, balance_sheet, income_statement
from jxc.finance.entrypoints.consumers import postings
from jxc.finance.service_layer import ledger
from jxc.platform.db import Database
from jxc.platform.envelope import Envelope, new_id
from jxc.platform.testing import Infrastructure, migrated_database

D = Decimal
PRODUCTS = [uuid.uuid4() for _ in range(3)]
WAREHOUSE = uuid.uuid4()
CUSTOMER = uuid.uuid4()
SUPPLIER = uuid.uuid4()
ORDERS = [uuid.uuid4() for _ in range(2)]

money = st.decimals(min_value=D("0.0001"), max_value=D("9999.9999"), places=4)
quantity = st.decimals(min_value=D(1), max_value=D(50), places=0)
days = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31),
                    timezones=st.just(UTC))


def _stock(kind: type[Message], reason: str, product: uuid.UUID, total: Decimal,
           at: datetime, order: uuid.UUID) -> Message:
    common: dict[str, Any] = dict(warehouse_id=WAREHOUSE, product_id=product,
                                  move_id=uuid.uuid4(), unit_cost=total, total_cost=total,
                                  currency="CNY", on_hand_after=D(0), occurred_at=at)
    if kind is StockAdjusted:
        return StockAdjusted(**common, quantity_delta=D(1), reason=reason)
    if kind is StockIssued:
        return StockIssued(**common, quantity=D(1), reason=reason, order_id=order)
    return StockReceived(**common, quantity=D(1), reason=reason)


stock_events = st.one_of(
    st.builds(_stock, st.just(StockReceived), st.sampled_from(
        ["purchase", "sales_return", "transfer", "adjustment", "opening"]),
        st.sampled_from(PRODUCTS), money, days, st.sampled_from(ORDERS)),
    st.builds(_stock, st.just(StockIssued), st.sampled_from(
        ["sale", "purchase_return", "transfer", "adjustment", "scrap"]),
        st.sampled_from(PRODUCTS), money, days, st.sampled_from(ORDERS)),
    st.builds(_stock, st.just(StockAdjusted), st.sampled_from(["count", "reversal"]),
              st.sampled_from(PRODUCTS), money, days, st.sampled_from(ORDERS)),
)


@st.composite
def sales_events(draw: st.DrawFn) -> Message:
    order = draw(st.sampled_from(ORDERS))
    qty, price = draw(quantity), draw(money)
    rate = draw(st.sampled_from([D(0), D("0.09"), D("0.13")]))
    net = qty * price
    tax = net * rate
    at = draw(days)
    kind = draw(st.sampled_from(["confirmed", "shipped", "returned"]))
    if kind == "returned":
        return SalesReturnReceived(
            return_id=uuid.uuid4(), order_id=order, customer_id=CUSTOMER,
            warehouse_id=WAREHOUSE, currency="CNY", lines=(ReturnedLine(
                product_id=PRODUCTS[0], quantity=qty, unit_price=price, tax_rate=rate,
                unit_cost=price),), net=net, tax=tax, total=net + tax, received_at=at)
    line = SalesLine(product_id=PRODUCTS[0], quantity=qty, unit_price=price, tax_rate=rate)
    common: dict[str, Any] = dict(order_id=order, number="SO", customer_id=CUSTOMER,
                                  warehouse_id=WAREHOUSE, currency="CNY", lines=(line,),
                                  net=net, tax=tax, total=net + tax)
    if kind == "confirmed":
        return SalesOrderConfirmed(**common, confirmed_at=at)
    return SalesOrderShipped(**common, shipment_id=uuid.uuid4(), complete=True, shipped_at=at)


@st.composite
def purchase_events(draw: st.DrawFn) -> Message:
    order, qty, cost = draw(st.sampled_from(ORDERS)), draw(quantity), draw(money)
    rate = draw(st.sampled_from([D(0), D("0.13")]))
    if draw(st.booleans()):
        return GoodsReceived(
            receipt_id=uuid.uuid4(), order_id=order, number="GR", supplier_id=SUPPLIER,
            warehouse_id=WAREHOUSE, currency="CNY", received_at=draw(days), lines=(
                ReceiptLine(product_id=PRODUCTS[1], quantity=qty, unit_cost=cost,
                            tax_rate=rate),))
    return GoodsReturned(
        return_id=uuid.uuid4(), order_id=order, supplier_id=SUPPLIER, warehouse_id=WAREHOUSE,
        currency="CNY", returned_at=draw(days), lines=(
            ReturnLine(product_id=PRODUCTS[1], quantity=qty, unit_cost=cost, tax_rate=rate,
                       reason="damaged"),))


events = st.lists(st.one_of(stock_events, sales_events(), purchase_events()), min_size=1,
                  max_size=25)


def _envelope(message: Message) -> Envelope:
    return Envelope(id=str(new_id()), type=message.type_name, source=message.source,
                    subject=message.partition_key(), time=datetime.now(UTC).isoformat())


async def _state(session: Any) -> tuple[int, list[ledger.Totals]]:
    count = (await session.execute(select(func.count()).select_from(journal_entry))
             ).scalar_one()
    return count, await ledger.account_totals(session)


async def _check(url: str, batch: list[Message]) -> None:
    db = Database(url)
    try:
        async with db.session() as session:
            envelopes = [(m, _envelope(m)) for m in batch]
            for message, envelope in envelopes:
                await postings.handlers[message.type_name](message, envelope, session)
            count, totals = await _state(session)
            rows = [AccountBalance(t.code, t.name, AccountType(t.type), t.debit, t.credit)
                    for t in totals]
            assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
            sheet = balance_sheet(rows)
            assert sheet.balances, sheet
            assert sheet.current_profit == income_statement(rows).net_profit

            for message, envelope in envelopes:  # the same events, delivered again
                await postings.handlers[message.type_name](message, envelope, session)
            assert await _state(session) == (count, totals)
            await session.rollback()
    finally:
        await db.dispose()


def test_any_events_keep_the_books_balanced_and_replays_change_nothing(
        infra: Infrastructure) -> None:
    url = asyncio.run(migrated_database(infra, MIGRATIONS, "finance"))

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(events)
    def check(batch: list[Message]) -> None:
        asyncio.run(_check(url, batch))

    check()
