"""Due dates from payment terms: crm's CustomerUpserted and supplier's
SupplierUpserted carry each party's terms over Kafka; invoices (from
shipments and by hand) and bills without a due date are due that many days
after they are issued, 30 when the terms are unknown."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jxc.contracts.crm import CustomerUpserted
from jxc.contracts.sales import SalesLine, SalesOrderShipped
from jxc.contracts.supplier import SupplierUpserted
from jxc.finance.adapters.tables import invoice, supplier_terms
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send

from .conftest import Finance, whole_service

D = Decimal
SHIPPED = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)


def _customer(customer: uuid.UUID, terms: int | None, version: int) -> CustomerUpserted:
    return CustomerUpserted(customer_id=customer, code=f"C{customer.hex[:6]}", name="Tea house",
                            payment_terms_days=terms, version=version)


def _supplier(supplier: uuid.UUID, terms: int, version: int) -> SupplierUpserted:
    return SupplierUpserted(supplier_id=supplier, code=f"S{supplier.hex[:6]}", name="Tea farm",
                            payment_terms_days=terms, version=version)


def _shipment(customer: uuid.UUID) -> SalesOrderShipped:
    return SalesOrderShipped(
        order_id=uuid.uuid4(), number="SO-1", shipment_id=uuid.uuid4(), customer_id=customer,
        warehouse_id=uuid.uuid4(), currency="CNY",
        lines=(SalesLine(product_id=uuid.uuid4(), quantity=D(2), unit_price=D(50),
                         tax_rate=D("0.13")),),
        net=D(100), tax=D(13), total=D(113), complete=True, shipped_at=SHIPPED)


def _due(issued: str, days: int) -> str:
    return (date.fromisoformat(issued) + timedelta(days=days)).isoformat()


async def test_due_dates_follow_the_parties_terms(finance: Finance,
                                                  infra: Infrastructure) -> None:
    net45, default, changed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    supplier, unknown_supplier = uuid.uuid4(), uuid.uuid4()
    async with whole_service(finance, infra):
        for message in (_customer(net45, 45, 1), _customer(default, None, 1),
                        _customer(changed, 10, 2), _customer(changed, 90, 1),  # older: ignored
                        _supplier(supplier, 60, 1)):
            await send(infra, message, new_id())

        async def replicas() -> bool:
            credit = await finance.client.get(f"/api/v1/finance/customers/{changed}/credit")
            async with finance.db.session() as session:
                terms = (await session.execute(select(supplier_terms.c.payment_terms_days)
                                               .where(supplier_terms.c.supplier_id == supplier))
                         ).scalar()
            return credit.status_code == 200 and terms == 60
        await eventually(replicas, timeout=120, what="customer and supplier terms")
        assert (await finance.get(f"customers/{net45}/credit"))["payment_terms_days"] == 45
        assert (await finance.get(f"customers/{changed}/credit"))["payment_terms_days"] == 10

        async def manual(customer: uuid.UUID, **extra: Any) -> dict[str, Any]:
            return await finance.post("invoices", {"customer_id": str(customer), "net": "100",
                                                   "issued_on": "2024-03-01", **extra})
        assert (await manual(net45))["due_on"] == _due("2024-03-01", 45)
        assert (await manual(default))["due_on"] == _due("2024-03-01", 30)
        assert (await manual(changed))["due_on"] == _due("2024-03-01", 10)
        assert (await manual(uuid.uuid4()))["due_on"] == _due("2024-03-01", 30)  # unknown
        assert (await manual(net45, due_on="2024-03-05"))["due_on"] == "2024-03-05"

        shipped = _shipment(net45)
        await send(infra, shipped, new_id())

        async def invoiced() -> Any:
            async with finance.db.session() as session:
                return (await session.execute(select(invoice.c.id).where(
                    invoice.c.shipment_id == shipped.shipment_id))).scalar()
        await eventually(invoiced, timeout=120, what="the shipment's invoice")
        from_shipment = await finance.get(f"invoices/{await invoiced()}")
        assert (from_shipment["issued_on"], from_shipment["due_on"]) == (
            "2024-03-04", _due("2024-03-04", 45))

        async def bill(who: uuid.UUID, number: str, **extra: Any) -> dict[str, Any]:
            return await finance.post("bills", {"supplier_id": str(who), "number": number,
                                                "net": "100", "tax": "13",
                                                "billed_on": "2024-03-02", **extra})
        assert (await bill(supplier, "T-1"))["due_on"] == _due("2024-03-02", 60)
        assert (await bill(unknown_supplier, "T-2"))["due_on"] == _due("2024-03-02", 30)
        assert (await bill(supplier, "T-3", due_on="2024-03-09"))["due_on"] == "2024-03-09"

        await send(infra, _supplier(supplier, 15, 2), new_id())

        async def shortened() -> bool:
            async with finance.db.session() as session:
                return (await session.execute(select(supplier_terms.c.payment_terms_days)
                                              .where(supplier_terms.c.supplier_id == supplier))
                        ).scalar() == 15
        await eventually(shortened, timeout=120, what="the supplier's new terms")
        assert (await bill(supplier, "T-4"))["due_on"] == _due("2024-03-02", 15)
