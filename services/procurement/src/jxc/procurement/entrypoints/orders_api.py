"""Purchase orders over HTTP: drafting, approval, receipts, returns, email,
and the approval rules. Handlers translate HTTP to service calls and commit."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import update

from jxc.contracts.base import Money, Quantity, Rate
from jxc.platform.api import (
    CursorQuery,
    Email,
    IfMatchHeader,
    LimitQuery,
    Page,
    RuntimeDep,
    SessionDep,
    check_if_match,
    etag,
)
from jxc.platform.auth import Principal, require
from jxc.platform.errors import Forbidden, InvalidInput
from jxc.procurement.adapters.tables import purchase_order
from jxc.procurement.domain.orders import Action, NewLine, Return, Status, check_action
from jxc.procurement.service_layer import approvals, order_mail, order_views, orders, receipts
from jxc.procurement.settings import ProcurementSettings

router = APIRouter(prefix="/api/v1/procurement", tags=["purchase orders"])

QuantityIn = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=4)]
PriceIn = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
RateIn = Annotated[Decimal, Field(ge=0, lt=1, max_digits=6, decimal_places=4)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests --------------------------------------------------------------------
class LineIn(Body):
    product_id: uuid.UUID
    quantity: QuantityIn
    unit_price: PriceIn
    tax_rate: RateIn | None = None
    """None: the product's rate."""

    def new(self) -> NewLine:
        return NewLine(self.product_id, self.quantity, self.unit_price, self.tax_rate)


class OrderIn(Body):
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    """Must be the supplier's currency when given."""
    expected_at: AwareDatetime | None = None
    note: str | None = Field(default=None, max_length=1000)
    lines: list[LineIn] = Field(min_length=1, max_length=500)


class OrderPatch(Body):
    """Only the fields sent change. On an approved order new lines or a new
    expected date raise the revision and need a new approval."""

    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=500)
    expected_at: AwareDatetime | None = None
    note: str | None = Field(default=None, max_length=1000)


class ApproveIn(Body):
    comment: str | None = Field(default=None, max_length=500)


class ReasonIn(Body):
    reason: Text


class CloseIn(Body):
    reason: str | None = Field(default=None, max_length=500)


class ToleranceIn(Body):
    over_receipt_tolerance_pct: Annotated[Decimal, Field(ge=0, le=999, decimal_places=4)] | None
    """None: the service's default (``JXC_OVER_RECEIPT_TOLERANCE_PCT``)."""


class ReceiptLineIn(Body):
    line_no: int | None = Field(default=None, ge=1)
    product_id: uuid.UUID | None = None
    quantity: QuantityIn
    """Accepted into stock."""
    rejected_quantity: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)] = \
        Decimal(0)
    rejection_reason: str | None = Field(default=None, max_length=500)
    lot: str | None = Field(default=None, min_length=1, max_length=64)
    expiry: date | None = None

    def delivered(self) -> receipts.Delivered:
        return receipts.Delivered(self.quantity, self.line_no, self.product_id,
                                  self.rejected_quantity, self.rejection_reason, self.lot,
                                  self.expiry)


class ReceiptIn(Body):
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=500)
    received_at: AwareDatetime | None = None


class ReturnLineIn(Body):
    product_id: uuid.UUID
    quantity: QuantityIn
    reason: Text


class ReturnIn(Body):
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)
    returned_at: AwareDatetime | None = None


class EmailIn(Body):
    format: Literal["xlsx", "csv"] = "xlsx"
    to: Email | None = None
    """Default: the supplier's email address."""


class RuleIn(Body):
    branch_id: uuid.UUID | None = None
    """None: every branch without a rule of its own for this level."""
    level: int = Field(ge=1, le=20)
    min_amount: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
    """The rule applies to orders whose total is at least this."""
    permission: str = Field(min_length=3, max_length=100)
    allow_self_approval: bool = False


# -- responses -------------------------------------------------------------------
class LineOut(BaseModel):
    line_no: int
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    quantity: Quantity
    """Ordered."""
    unit_price: Money
    tax_rate: Rate
    net: Money
    tax: Money
    total: Money
    received: Quantity
    rejected: Quantity
    returned: Quantity
    backorder: Quantity


class ApprovalOut(BaseModel):
    revision: int
    level: int
    permission: str
    allow_self_approval: bool
    decision: str | None
    decided_by: str | None
    decided_by_name: str | None
    decided_at: datetime | None
    comment: str | None


class ReceivedLineOut(BaseModel):
    line_no: int
    product_id: uuid.UUID
    quantity: Quantity
    rejected_quantity: Quantity
    rejection_reason: str | None
    lot: str | None
    expiry: date | None


class ReceiptOut(BaseModel):
    id: uuid.UUID
    received_at: datetime
    received_by: str
    lines: list[ReceivedLineOut]


class ReturnedLineOut(BaseModel):
    line_no: int
    product_id: uuid.UUID
    quantity: Quantity
    reason: str


class ReturnOut(BaseModel):
    id: uuid.UUID
    returned_at: datetime
    returned_by: str
    lines: list[ReturnedLineOut]


class OrderSummary(BaseModel):
    id: uuid.UUID
    number: str
    status: Status
    supplier_id: uuid.UUID
    supplier_name: str | None
    warehouse_id: uuid.UUID
    branch_id: uuid.UUID | None
    currency: str
    expected_at: datetime | None
    net: Money
    tax: Money
    total: Money
    revision: int
    created_by: str
    created_at: datetime


class OrderOut(OrderSummary):
    warehouse_name: str | None
    note: str | None
    version: int
    over_receipt_tolerance_pct: Rate | None
    requisition_ids: list[uuid.UUID]
    updated_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    emailed_at: datetime | None
    pending_level: int | None
    pending_permission: str | None
    lines: list[LineOut]
    approvals: list[ApprovalOut]
    receipts: list[ReceiptOut]
    returns: list[ReturnOut]


class InboxItem(BaseModel):
    """What an approver needs on a phone to decide, and where to decide."""

    id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    supplier_name: str | None
    warehouse_id: uuid.UUID
    branch_id: uuid.UUID | None
    currency: str
    net: Money
    tax: Money
    total: Money
    lines_count: int
    revision: int
    level: int
    levels: int
    permission: str
    expected_at: datetime | None
    created_by: str
    submitted_at: datetime
    approve_url: str
    reject_url: str


class RuleOut(BaseModel):
    id: uuid.UUID
    branch_id: uuid.UUID | None
    level: int
    min_amount: Money
    permission: str
    allow_self_approval: bool
    created_by: str
    created_at: datetime


class EmailOut(BaseModel):
    message_id: str
    to: str
    emailed_at: datetime


# -- helpers ---------------------------------------------------------------------
async def _answer(session: SessionDep, order_id: uuid.UUID, response: Response | None = None,
                  principal: Principal | None = None) -> OrderOut:
    data = await order_views.detail(session, order_id, principal)
    if response is not None:
        response.headers["ETag"] = etag(data["version"])
    return OrderOut.model_validate(data)


async def _commit_and_answer(session: SessionDep, order_id: uuid.UUID,
                             response: Response) -> OrderOut:
    await session.commit()
    return await _answer(session, order_id, response)


def _settings(runtime: RuntimeDep) -> ProcurementSettings:
    settings = runtime.settings
    assert isinstance(settings, ProcurementSettings)
    return settings


# -- purchase orders -------------------------------------------------------------
@router.post("/purchase-orders", status_code=201, summary="Draft a purchase order")
async def create_order(body: OrderIn, session: SessionDep, response: Response,
                       principal: Principal = require("procurement:write")) -> OrderOut:
    store = await orders.warehouse(session, body.warehouse_id)
    if not orders.may_use(principal, store["branch_id"], body.warehouse_id):
        raise Forbidden(f"warehouse {body.warehouse_id} is outside your data scope")
    supplier = await orders.usable_supplier(session, body.supplier_id)
    if body.currency is not None and body.currency != supplier["currency"]:
        raise InvalidInput(
            f"the supplier trades in {supplier['currency']}", code="currency_mismatch",
            errors=[{"field": "currency", "in": "body",
                     "message": f"must be the supplier's currency {supplier['currency']}"}])
    order_id = await orders.create_draft(
        session, supplier_id=body.supplier_id, warehouse_id=body.warehouse_id,
        lines=[line.new() for line in body.lines], created_by=principal.subject,
        expected_at=body.expected_at, note=body.note)
    response.headers["Location"] = f"/api/v1/procurement/purchase-orders/{order_id}"
    return await _commit_and_answer(session, order_id, response)


@router.get("/purchase-orders", summary="Purchase orders, newest first")
async def list_orders(session: SessionDep, principal: Principal = require("procurement:read"),
                      status: Status | None = None, supplier_id: uuid.UUID | None = None,
                      warehouse_id: uuid.UUID | None = None, limit: LimitQuery = 50,
                      cursor: CursorQuery = None) -> Page[OrderSummary]:
    rows, next_cursor = await order_views.page(
        session, principal, status=status, supplier_id=supplier_id, warehouse_id=warehouse_id,
        limit=limit, cursor=cursor)
    return Page(items=[OrderSummary.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/purchase-orders/{order_id}",
            summary="A purchase order with its lines, approvals, receipts and returns")
async def get_order(order_id: uuid.UUID, session: SessionDep, response: Response,
                    principal: Principal = require("procurement:read")) -> OrderOut:
    return await _answer(session, order_id, response, principal)


@router.patch("/purchase-orders/{order_id}", summary="Change a draft, or revise an approved order")
async def change_order(order_id: uuid.UUID, body: OrderPatch, session: SessionDep,
                       response: Response, if_match: IfMatchHeader = None,
                       principal: Principal = require("procurement:write")) -> OrderOut:
    order = await orders.load(session, order_id, principal, lock=True)
    check_if_match(if_match, order.row["version"])
    given = body.model_fields_set
    await orders.change(session, order,
                        lines=None if body.lines is None else [x.new() for x in body.lines],
                        expected_at=body.expected_at, expected_at_given="expected_at" in given,
                        note=body.note, note_given="note" in given)
    return await _commit_and_answer(session, order_id, response)


@router.post("/purchase-orders/{order_id}/submit", summary="Submit for approval")
async def submit_order(order_id: uuid.UUID, session: SessionDep, response: Response,
                       principal: Principal = require("procurement:submit")) -> OrderOut:
    await orders.submit(session, await orders.load(session, order_id, principal, lock=True))
    return await _commit_and_answer(session, order_id, response)


@router.post("/purchase-orders/{order_id}/approve",
             summary="Approve the order's pending level (the last level approves the order)")
async def approve_order(order_id: uuid.UUID, session: SessionDep, response: Response,
                        body: ApproveIn | None = None,
                        principal: Principal = require("procurement:approve")) -> OrderOut:
    order = await orders.load(session, order_id, principal, lock=True)
    await approvals.approve(session, order, principal, body.comment if body else None)
    return await _commit_and_answer(session, order_id, response)


@router.post("/purchase-orders/{order_id}/reject", summary="Reject the order, with a reason")
async def reject_order(order_id: uuid.UUID, body: ReasonIn, session: SessionDep,
                       response: Response,
                       principal: Principal = require("procurement:approve")) -> OrderOut:
    order = await orders.load(session, order_id, principal, lock=True)
    await approvals.reject(session, order, principal, body.reason)
    return await _commit_and_answer(session, order_id, response)


@router.post("/purchase-orders/{order_id}/cancel", summary="Cancel an order nothing arrived for")
async def cancel_order(order_id: uuid.UUID, body: ReasonIn, session: SessionDep,
                       response: Response,
                       principal: Principal = require("procurement:write")) -> OrderOut:
    await orders.cancel(session, await orders.load(session, order_id, principal, lock=True),
                        body.reason)
    return await _commit_and_answer(session, order_id, response)


@router.post("/purchase-orders/{order_id}/close",
             summary="Close a (partially) received order; its backorder is cancelled")
async def close_order(order_id: uuid.UUID, session: SessionDep, response: Response,
                      body: CloseIn | None = None,
                      principal: Principal = require("procurement:write")) -> OrderOut:
    await orders.close(session, await orders.load(session, order_id, principal, lock=True),
                       body.reason if body else None)
    return await _commit_and_answer(session, order_id, response)


@router.put("/purchase-orders/{order_id}/receipt-tolerance",
            summary="Override the over-receipt tolerance for this order")
async def set_tolerance(order_id: uuid.UUID, body: ToleranceIn, session: SessionDep,
                        response: Response,
                        principal: Principal = require("procurement:manage")) -> OrderOut:
    order = await orders.load(session, order_id, principal, lock=True)
    await orders.touch(session, order,
                       over_receipt_tolerance_pct=body.over_receipt_tolerance_pct)
    return await _commit_and_answer(session, order_id, response)


@router.post("/purchase-orders/{order_id}/receipts", status_code=201,
             summary="Receive goods (partial receipts allowed)")
async def receive_goods(order_id: uuid.UUID, body: ReceiptIn, session: SessionDep,
                        runtime: RuntimeDep, response: Response,
                        principal: Principal = require("procurement:receive")) -> OrderOut:
    order = await orders.load(session, order_id, principal, lock=True)
    await receipts.receive_goods(
        session, order, [line.delivered() for line in body.lines], received_at=body.received_at,
        received_by=principal.subject,
        default_tolerance_pct=_settings(runtime).over_receipt_tolerance_pct)
    return await _commit_and_answer(session, order_id, response)


@router.post("/purchase-orders/{order_id}/returns", status_code=201,
             summary="Return accepted goods to the supplier")
async def return_goods(order_id: uuid.UUID, body: ReturnIn, session: SessionDep,
                       response: Response,
                       principal: Principal = require("procurement:return")) -> OrderOut:
    order = await orders.load(session, order_id, principal, lock=True)
    await receipts.return_to_supplier(
        session, order, [Return(x.product_id, x.quantity, x.reason) for x in body.lines],
        returned_by=principal.subject, returned_at=body.returned_at)
    return await _commit_and_answer(session, order_id, response)


@router.post("/purchase-orders/{order_id}/email",
             summary="Email the approved order to the supplier (XLSX or CSV attached)")
async def email_order(order_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep,
                      body: EmailIn | None = None,
                      principal: Principal = require("procurement:write")) -> EmailOut:
    body = body or EmailIn()
    data = await order_views.detail(session, order_id, principal)
    with orders.enforced():
        check_action(Status(data["status"]), Action.EMAIL)
    message_id = await order_mail.send(runtime.settings, data, body.format, body.to)
    sent_at = orders.now()
    await session.execute(update(purchase_order).where(purchase_order.c.id == order_id)
                          .values(emailed_at=sent_at))
    await session.commit()
    return EmailOut(message_id=message_id, to=body.to or data["supplier_email"],
                    emailed_at=sent_at)


# -- approvals -------------------------------------------------------------------
@router.get("/approvals/inbox",
            summary="Orders waiting for a level you may approve, newest first")
async def approval_inbox(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None,
                         principal: Principal = require("procurement:approve"),
                         ) -> Page[InboxItem]:
    rows, next_cursor = await approvals.inbox(session, principal, limit, cursor)
    base = "/api/v1/procurement/purchase-orders"
    return Page(items=[InboxItem.model_validate({
        **r, "approve_url": f"{base}/{r['id']}/approve",
        "reject_url": f"{base}/{r['id']}/reject"}) for r in rows], next_cursor=next_cursor)


@router.get("/approval-rules", dependencies=[require("procurement:read")],
            summary="Approval rules, all-branch rules first")
async def list_rules(session: SessionDep) -> list[RuleOut]:
    return [RuleOut.model_validate(r) for r in await approvals.rules(session)]


@router.post("/approval-rules", status_code=201, summary="Add an approval level")
async def add_rule(body: RuleIn, session: SessionDep,
                   principal: Principal = require("procurement:manage")) -> RuleOut:
    row = await approvals.add_rule(
        session, branch_id=body.branch_id, level=body.level, min_amount=body.min_amount,
        permission=body.permission, allow_self_approval=body.allow_self_approval,
        created_by=principal.subject)
    await session.commit()
    return RuleOut.model_validate(row)


@router.delete("/approval-rules/{rule_id}", status_code=204,
               dependencies=[require("procurement:manage")],
               summary="Remove a rule (submitted orders keep their levels)")
async def remove_rule(rule_id: uuid.UUID, session: SessionDep) -> Response:
    await approvals.remove_rule(session, rule_id)
    await session.commit()
    return Response(status_code=204)
