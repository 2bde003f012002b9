"""Grouping requisition lines into draft purchase orders, and the requisition
life cycle."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from jxc.procurement.domain.requisitions import (
    RequisitionClosed,
    RequisitionLine,
    SupplierMissing,
    ensure_open,
    group_for_orders,
)

S1, S2 = sorted((uuid.uuid4(), uuid.uuid4()), key=str)
W1, W2 = sorted((uuid.uuid4(), uuid.uuid4()), key=str)
P1, P2, P3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
R1, R2, R3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def line(requisition: uuid.UUID, line_no: int, product: uuid.UUID, quantity: str,
         supplier: uuid.UUID | None, warehouse: uuid.UUID = W1,
         needed_by: date | None = None) -> RequisitionLine:
    return RequisitionLine(requisition_id=requisition, number=f"PR-{requisition.hex[:4]}",
                           line_no=line_no, warehouse_id=warehouse, product_id=product,
                           quantity=Decimal(quantity), supplier_id=supplier,
                           needed_by=needed_by)


def test_one_order_per_supplier_and_warehouse() -> None:
    drafts = group_for_orders([
        line(R1, 1, P1, "5", S2), line(R1, 2, P2, "3", S1),
        line(R2, 1, P3, "1", S1, W2), line(R3, 1, P1, "2", S1)])
    assert [(d.supplier_id, d.warehouse_id) for d in drafts] == [(S1, W1), (S1, W2), (S2, W1)]
    s1w1 = drafts[0]
    assert [(ln.product_id, ln.quantity) for ln in s1w1.lines] == [
        (P2, Decimal(3)), (P1, Decimal(2))]
    assert s1w1.requisition_ids == (R1, R3)
    assert drafts[1].requisition_ids == (R2,)
    assert drafts[2].requisition_ids == (R1,)


def test_the_same_product_is_one_line_with_the_quantities_added() -> None:
    [draft] = group_for_orders([line(R1, 1, P1, "2.5", S1), line(R2, 1, P1, "4", S1),
                                line(R2, 2, P2, "1", S1)])
    first, second = draft.lines
    assert (first.product_id, first.quantity) == (P1, Decimal("6.5"))
    assert [(s.requisition_id, s.line_no) for s in first.sources] == [(R1, 1), (R2, 1)]
    assert second.product_id == P2
    assert draft.requisition_ids == (R1, R2)


def test_every_line_needs_a_supplier() -> None:
    missing = line(R2, 3, P1, "1", None)
    with pytest.raises(SupplierMissing) as raised:
        group_for_orders(iter([line(R1, 1, P2, "1", S1), missing]))
    assert raised.value.lines == (missing,)
    assert "line 3" in str(raised.value)


def test_nothing_to_group() -> None:
    assert group_for_orders([]) == ()


def test_only_an_open_requisition_changes() -> None:
    ensure_open("PR-1", "open")
    for status in ("converted", "cancelled"):
        with pytest.raises(RequisitionClosed) as raised:
            ensure_open("PR-1", status)
        assert raised.value.status == status
