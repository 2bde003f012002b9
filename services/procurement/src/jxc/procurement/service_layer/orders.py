"""Purchase orders: drafting, revising, submitting, cancelling and closing, the
order as people read it, and the data scope that limits who sees which.

A user scoped to branches sees the orders of those branches' warehouses; one
scoped to warehouses sees those; a user with both sees either (as inventory).
An order outside the caller's scope is answered 404, as if it did not exist.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.procurement import (
    PurchaseLine,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
)
from jxc.platform.auth import Principal
from jxc.platform.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from jxc.platform.outbox import emit
from jxc.procurement.adapters.tables import (
    ProductReplica,
    approval_rule,
    po_number_counter,
    purchase_order,
    purchase_order_approval,
    purchase_order_line,
    supplier_replica,
    warehouse_replica,
)
from jxc.procurement.domain import approvals as approval_rules
from jxc.procurement.domain.orders import (
    Action,
    Line,
    NewLine,
    OrderRuleBroken,
    Status,
    build_lines,
    check_action,
    totals,
)

po = purchase_order
pol = purchase_order_line
products = ProductReplica.__table__  # type: ignore[attr-defined]
_PROBLEMS: dict[int, type[Problem]] = {403: Forbidden, 409: Conflict, 422: InvalidInput}


@contextlib.contextmanager
def enforced() -> Iterator[None]:
    """Turn a broken domain rule into its problem+json answer."""
    try:
        yield
    except OrderRuleBroken as exc:
        raise _PROBLEMS.get(exc.status, Conflict)(exc.detail, code=exc.code,
                                                  **exc.extra) from exc


def now() -> datetime:
    return datetime.now(UTC)


# -- data scope ------------------------------------------------------------------
def visible(principal: Principal) -> ColumnElement[bool]:
    """SQL condition: the order is in the principal's branches or warehouses."""
    if principal.branches is None and principal.warehouses is None:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if principal.warehouses is not None:
        conditions.append(principal.warehouse_filter(po.c.warehouse_id))
    if principal.branches is not None:
        conditions.append(principal.branch_filter(po.c.branch_id))
    return or_(false(), *conditions)


def may_use(principal: Principal, branch_id: uuid.UUID | None,
            warehouse_id: uuid.UUID) -> bool:
    if principal.branches is None and principal.warehouses is None:
        return True
    return ((principal.branches is not None and principal.sees_branch(branch_id))
            or (principal.warehouses is not None and principal.sees_warehouse(warehouse_id)))


# -- loading and saving ------------------------------------------------------------
@dataclass
class Order:
    row: Mapping[str, Any]
    lines: list[Line]
    products: dict[uuid.UUID, Mapping[str, Any]] = field(default_factory=dict)
    """sku, name and unit of each line's product, as the order recorded them."""

    @property
    def id(self) -> uuid.UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @property
    def status(self) -> Status:
        return Status(self.row["status"])

    @property
    def received(self) -> Decimal:
        return sum((line.received for line in self.lines), Decimal(0))


async def load(session: AsyncSession, order_id: uuid.UUID, principal: Principal | None = None,
               *, lock: bool = False) -> Order:
    query = select(po).where(po.c.id == order_id)
    if principal is not None:
        query = query.where(visible(principal))
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    if row is None:
        raise NotFound(f"no purchase order {order_id}")
    rows = (await session.execute(select(pol).where(pol.c.order_id == order_id)
                                  .order_by(pol.c.line_no))).mappings().all()
    return Order(dict(row), [Line(r["line_no"], r["product_id"], r["quantity"], r["unit_price"],
                            r["tax_rate"], r["received"], r["rejected"], r["returned"])
                       for r in rows],
                 {r["product_id"]: {"sku": r["sku"], "name": r["name"], "unit": r["unit"]}
                  for r in rows})


async def _write_lines(session: AsyncSession, order_id: uuid.UUID, lines: Sequence[Line],
                       known: Mapping[uuid.UUID, Mapping[str, Any]]) -> None:
    await session.execute(delete(pol).where(pol.c.order_id == order_id))
    await session.execute(insert(pol), [
        {"order_id": order_id, "line_no": line.line_no, "product_id": line.product_id,
         "sku": known[line.product_id]["sku"], "name": known[line.product_id]["name"],
         "unit": known[line.product_id]["unit"], "quantity": line.quantity,
         "unit_price": line.unit_price, "tax_rate": line.tax_rate, "received": line.received,
         "rejected": line.rejected, "returned": line.returned} for line in lines])


async def save_progress(session: AsyncSession, order: Order, **values: Any) -> None:
    """Store the lines' received/rejected/returned quantities and ``values`` on
    the order (its version goes up)."""
    for line in order.lines:
        await session.execute(update(pol).where(
            pol.c.order_id == order.id, pol.c.line_no == line.line_no).values(
            received=line.received, rejected=line.rejected, returned=line.returned))
    await touch(session, order, **values)


async def touch(session: AsyncSession, order: Order, **values: Any) -> None:
    await session.execute(update(po).where(po.c.id == order.id).values(
        version=po.c.version + 1, updated_at=func.now(), **values))


async def _product_rows(session: AsyncSession,
                        lines: Sequence[NewLine]) -> dict[uuid.UUID, Mapping[str, Any]]:
    ids = {line.product_id for line in lines}
    rows = (await session.execute(select(products).where(
        products.c.product_id.in_(ids), products.c.active))).mappings().all()
    return {r["product_id"]: dict(r) for r in rows}


async def next_number(session: AsyncSession, at: datetime) -> str:
    """PO-YYYYMM-NNNNN, gap-free per month: the counter row is taken in the
    creating transaction, so a rolled-back order gives its number back."""
    month = f"{at:%Y%m}"
    statement = insert(po_number_counter).values(month=month, last=1)
    last = (await session.execute(statement.on_conflict_do_update(
        index_elements=[po_number_counter.c.month],
        set_={"last": po_number_counter.c.last + 1}).returning(po_number_counter.c.last)
    )).scalar_one()
    return f"PO-{month}-{last:05d}"


# -- masters -----------------------------------------------------------------------
async def usable_supplier(session: AsyncSession, supplier_id: uuid.UUID) -> Mapping[str, Any]:
    row = (await session.execute(select(supplier_replica).where(
        supplier_replica.c.supplier_id == supplier_id))).mappings().first()
    if row is None:
        raise InvalidInput(f"procurement knows no supplier {supplier_id}",
                           code="unknown_supplier", errors=[
                               {"field": "supplier_id", "in": "body",
                                "message": "unknown supplier"}])
    if row["status"] == "blocked" or not row["active"]:
        raise Conflict(f"supplier {row['code']} is blocked or inactive: it gets no purchase "
                       "orders", code="supplier_blocked", supplier_id=str(supplier_id))
    return dict(row)


async def warehouse(session: AsyncSession, warehouse_id: uuid.UUID) -> Mapping[str, Any]:
    row = (await session.execute(select(warehouse_replica).where(
        warehouse_replica.c.warehouse_id == warehouse_id))).mappings().first()
    if row is None or not row["active"]:
        raise InvalidInput(f"procurement knows no active warehouse {warehouse_id}",
                           code="unknown_warehouse", errors=[
                               {"field": "warehouse_id", "in": "body",
                                "message": "unknown or inactive warehouse"}])
    return dict(row)


# -- commands ----------------------------------------------------------------------
async def create_draft(session: AsyncSession, *, supplier_id: uuid.UUID,
                       warehouse_id: uuid.UUID, lines: Sequence[NewLine], created_by: str,
                       expected_at: datetime | None = None, note: str | None = None,
                       requisition_ids: Sequence[uuid.UUID] = ()) -> uuid.UUID:
    """A new draft order in the supplier's currency for the warehouse's branch;
    line tax rates default to the products'. Raises problems for an unknown
    or blocked supplier, an unknown warehouse or product, or bad lines."""
    supplier = await usable_supplier(session, supplier_id)
    store = await warehouse(session, warehouse_id)
    known = await _product_rows(session, lines)
    with enforced():
        built = build_lines(lines, {p: r["tax_rate"] for p, r in known.items()})
    money = totals(built)
    order_id = uuid.uuid4()
    await session.execute(insert(po).values(
        id=order_id, number=await next_number(session, now()), supplier_id=supplier_id,
        warehouse_id=warehouse_id, branch_id=store["branch_id"], currency=supplier["currency"],
        status=Status.DRAFT, expected_at=expected_at, note=note, net=money.net, tax=money.tax,
        total=money.total, revision=1, version=1, created_by=created_by,
        requisition_ids=[str(r) for r in requisition_ids]))
    await _write_lines(session, order_id, built, known)
    return order_id


def _same(lines: Sequence[Line], other: Sequence[Line]) -> bool:
    def key(items: Sequence[Line]) -> list[tuple[Any, ...]]:
        return [(x.product_id, x.quantity, x.unit_price, x.tax_rate) for x in items]
    return key(lines) == key(other)


async def change(session: AsyncSession, order: Order, *,
                 lines: Sequence[NewLine] | None, expected_at: datetime | None,
                 expected_at_given: bool, note: str | None, note_given: bool) -> None:
    """Edit a draft freely; on an approved order a change of lines or expected
    date raises the revision and sends it back for approval."""
    with enforced():
        check_action(order.status, Action.EDIT)
    values: dict[str, Any] = {}
    if note_given:
        values["note"] = note
    new_lines = order.lines
    known: dict[uuid.UUID, Mapping[str, Any]] = dict(order.products)
    if lines is not None:
        found = await _product_rows(session, lines)
        known.update(found)
        rates = {line.product_id: line.tax_rate for line in order.lines}
        rates.update({p: r["tax_rate"] for p, r in found.items()})
        with enforced():
            new_lines = build_lines(lines, rates, order.lines)
    revised = (not _same(new_lines, order.lines)
               or (expected_at_given and expected_at != order.row["expected_at"]))
    if expected_at_given:
        values["expected_at"] = expected_at
    if revised:
        money = totals(new_lines)
        values.update(net=money.net, tax=money.tax, total=money.total)
        await _write_lines(session, order.id, new_lines, known)
        if order.status is not Status.DRAFT:
            await usable_supplier(session, order.row["supplier_id"])
            revision = order.row["revision"] + 1
            values.update(revision=revision, status=Status.SUBMITTED, submitted_at=func.now())
            await open_steps(session, order.id, revision, order.row["branch_id"], money.total)
    await touch(session, order, **values)


async def open_steps(session: AsyncSession, order_id: uuid.UUID, revision: int,
                     branch_id: uuid.UUID | None, total: Decimal) -> list[approval_rules.Step]:
    """Fix the approval levels this revision needs, from the rules in force."""
    rows = (await session.execute(select(approval_rule).where(or_(
        approval_rule.c.branch_id.is_(None), approval_rule.c.branch_id == branch_id)))).all()
    steps = approval_rules.required_steps(
        [approval_rules.Rule(r.branch_id, r.level, r.min_amount, r.permission,
                             r.allow_self_approval) for r in rows], branch_id, total)
    await session.execute(insert(purchase_order_approval), [
        {"id": uuid.uuid4(), "order_id": order_id, "revision": revision, "level": step.level,
         "permission": step.permission, "allow_self_approval": step.allow_self_approval}
        for step in steps])
    return steps


async def submit(session: AsyncSession, order: Order) -> None:
    with enforced():
        check_action(order.status, Action.SUBMIT)
    await usable_supplier(session, order.row["supplier_id"])
    await open_steps(session, order.id, order.row["revision"], order.row["branch_id"],
                     order.row["total"])
    await touch(session, order, status=Status.SUBMITTED, submitted_at=func.now())


async def end(session: AsyncSession, order: Order, status: Status, reason: str) -> None:
    """Cancel or reject: an order that was ever approved announces it (inventory
    drops its incoming supply, finance stops matching bills against it)."""
    await touch(session, order, status=status, ended_at=func.now(), end_reason=reason)
    if order.row["approved_at"] is not None:
        await emit(session, PurchaseOrderCancelled(order_id=order.id,
                                                   number=order.row["number"], reason=reason),
                   branch=_branch(order))


async def cancel(session: AsyncSession, order: Order, reason: str) -> None:
    with enforced():
        check_action(order.status, Action.CANCEL, received=order.received)
    await end(session, order, Status.CANCELLED, reason)


async def close(session: AsyncSession, order: Order, reason: str | None) -> None:
    """Close a (partially) received order: what was not delivered will not be."""
    with enforced():
        check_action(order.status, Action.CLOSE)
    await touch(session, order, status=Status.CLOSED, ended_at=func.now(), end_reason=reason)
    await emit(session, PurchaseOrderClosed(order_id=order.id, number=order.row["number"]),
               branch=_branch(order))


def _branch(order: Order) -> str | None:
    branch = order.row["branch_id"]
    return None if branch is None else str(branch)


def approved_event(order: Order, approved_at: datetime) -> PurchaseOrderApproved:
    money = totals(order.lines)
    return PurchaseOrderApproved(
        order_id=order.id, number=order.row["number"], supplier_id=order.row["supplier_id"],
        warehouse_id=order.row["warehouse_id"], branch_id=order.row["branch_id"],
        currency=order.row["currency"], lines=tuple(
            PurchaseLine(product_id=line.product_id, quantity=line.quantity,
                         unit_price=line.unit_price, tax_rate=line.tax_rate)
            for line in order.lines),
        net=money.net, tax=money.tax, total=money.total, approved_at=approved_at,
        expected_at=order.row["expected_at"], revision=order.row["revision"])


async def announce_approval(session: AsyncSession, order: Order, approved_at: datetime) -> None:
    await emit(session, approved_event(order, approved_at), branch=_branch(order))
