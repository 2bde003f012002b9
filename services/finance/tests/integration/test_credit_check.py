"""The sales saga's credit check over Kafka: the limit from crm's replica
against open receivables and confirmed orders; one answer per order however
often the command arrives; credit notes for returns free credit again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from jxc.contracts.base import decode
from jxc.contracts.crm import CustomerUpserted
from jxc.contracts.finance import CheckCredit, CreditApproved, CreditReply
from jxc.contracts.sales import (
    ReturnedLine,
    SalesLine,
    SalesOrderConfirmed,
    SalesReturnReceived,
)
from jxc.finance.adapters.tables import open_order
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send, topic_reader

from .conftest import Finance, whole_service

D = Decimal
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def test_credit_check_answers_once_per_order(finance: Finance,
                                                   infra: Infrastructure) -> None:
    good, blocked, dollars = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    product, warehouse = uuid.uuid4(), uuid.uuid4()
    orders = {name: uuid.uuid4() for name in ("open", "a", "b", "c", "x", "y", "z")}

    def check(order: str, customer: uuid.UUID, amount: str, currency: str = "CNY"
              ) -> CheckCredit:
        return CheckCredit(order_id=orders[order], customer_id=customer, amount=D(amount),
                           currency=currency)

    async with whole_service(finance, infra), \
            topic_reader(infra.kafka_bootstrap, "finance.replies.v1") as reader:
        for customer, limit, active, currency in ((good, "1500", True, "CNY"),
                                                  (blocked, "9999", False, "CNY"),
                                                  (dollars, "9999", True, "USD")):
            await send(infra, CustomerUpserted(customer_id=customer, code=f"C{customer.hex[:6]}",
                                               name="Tea house", credit_limit=D(limit),
                                               currency=currency, active=active, version=1),
                       new_id())
        await finance.post("invoices", {"customer_id": str(good), "net": "1000", "tax": "130",
                                        "issued_on": "2026-11-01"})
        await send(infra, SalesOrderConfirmed(
            order_id=orders["open"], number="SO-9", customer_id=good, warehouse_id=warehouse,
            currency="CNY", lines=(SalesLine(product_id=product, quantity=D(1),
                                             unit_price=D(200), tax_rate=D(0)),),
            net=D(200), tax=D(0), total=D(200), confirmed_at=NOW), new_id())

        async def replicas_ready() -> bool:
            credit = await finance.client.get(f"/api/v1/finance/customers/{dollars}/credit")
            async with finance.db.session() as session:
                held = (await session.execute(select(open_order.c.open_amount).where(
                    open_order.c.order_id == orders["open"]))).first()
            return credit.status_code == 200 and held is not None
        await eventually(replicas_ready, timeout=120, what="credit replica and open order")

        first = new_id()
        await send(infra, check("a", good, "100"), first)
        await send(infra, check("a", good, "100"), first)  # redelivered: skipped by the inbox
        await send(infra, check("b", good, "170.01"), new_id())
        await send(infra, check("b", good, "170.01"), new_id())  # the saga retrying
        await send(infra, check("x", uuid.uuid4(), "1"), new_id())
        await send(infra, check("y", blocked, "1"), new_id())
        await send(infra, check("z", good, "1", "USD"), new_id())

        async def replies(count: int) -> list[CreditReply]:
            records = await reader.read(count, timeout=120)
            found = []
            for record in records:
                message = decode(reader.headers(record).get("ce_type", ""), record.value)
                if isinstance(message, CreditReply) and message.order_id in orders.values():
                    found.append(message)
            return found

        async def answered() -> bool:
            got = await replies(0)
            return len(got) >= 6
        await eventually(answered, timeout=120, what="six credit replies")
        by_order: dict[uuid.UUID, list[CreditReply]] = {}
        for reply in await replies(0):
            by_order.setdefault(reply.order_id, []).append(reply)

        [approved] = by_order[orders["a"]]
        assert isinstance(approved, CreditApproved)
        assert approved.available_credit == D("170")  # 1500 − 1130 open AR − 200 open order
        rejected = by_order[orders["b"]]
        assert len(rejected) == 2
        assert {(type(r).__name__, getattr(r, "reason", None), r.available_credit)
                for r in rejected} == {("CreditRejected", "credit_limit_exceeded", D("170"))}
        assert getattr(by_order[orders["x"]][0], "reason", None) == "customer_unknown"
        assert getattr(by_order[orders["y"]][0], "reason", None) == "customer_blocked"
        assert getattr(by_order[orders["z"]][0], "reason", None) == "currency_mismatch"

        # A return issues a credit note (113) and frees that much credit.
        await send(infra, SalesReturnReceived(
            return_id=uuid.uuid4(), order_id=orders["open"], customer_id=good,
            warehouse_id=warehouse, currency="CNY", lines=(ReturnedLine(
                product_id=product, quantity=D(1), unit_price=D(100), tax_rate=D("0.13"),
                unit_cost=D(60)),), net=D(100), tax=D(13), total=D(113), received_at=NOW),
            new_id())

        async def credited() -> bool:
            items = (await finance.get("invoices", customer_id=str(good)))["items"]
            return any(i["total"] == "-113.00" for i in items)
        await eventually(credited, timeout=120, what="the credit note")
        note = next(i for i in (await finance.get("invoices", customer_id=str(good)))["items"]
                    if i["total"] == "-113.00")
        assert note["number"].startswith("CN-")
        entry = await finance.get(f"journal-entries/{note['entry_id']}")
        assert [(x["account_code"], x["debit"], x["credit"]) for x in entry["lines"]] == [
            ("1122", "0.00", "113.00"), ("6001", "100.00", "0.00"), ("222102", "13.00", "0.00")]

        await send(infra, check("c", good, "283"), new_id())

        async def approved_c() -> bool:
            return any(r.order_id == orders["c"] for r in await replies(0))
        await eventually(approved_c, timeout=120, what="the reply for order c")
        [reply_c] = [r for r in await replies(0) if r.order_id == orders["c"]]
        assert isinstance(reply_c, CreditApproved)
        assert reply_c.available_credit == D("283")
