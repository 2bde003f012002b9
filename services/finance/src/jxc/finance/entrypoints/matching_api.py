"""Reviewing supplier bills' match exceptions. Included before
``documents_api`` so that ``/bills/exceptions`` is not taken for a bill id."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from jxc.contracts.base import Quantity
from jxc.finance.entrypoints.documents_api import BillOut, get_bill
from jxc.finance.service_layer import matching
from jxc.platform.api import CursorQuery, LimitQuery, Page, SessionDep
from jxc.platform.auth import CurrentPrincipal, require

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])


class MatchExceptionOut(BaseModel):
    id: uuid.UUID
    bill_id: uuid.UUID
    bill_number: str
    supplier_id: uuid.UUID
    line_no: int | None
    product_id: uuid.UUID | None
    kind: str
    """``quantity_over_received``, ``price_over_order``, ``not_on_order`` or
    ``not_received``."""
    expected: Quantity | None
    """What is left to bill (quantity) or the order's unit price."""
    actual: Quantity | None
    tolerance: Quantity | None
    """The tolerance applied, in percent."""
    difference: Quantity | None
    status: str
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str | None
    created_at: datetime


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=500)


class RejectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=500)
    """Why, for the supplier: a rejection is disputed with them."""


def _difference(actual: Decimal | None, expected: Decimal | None) -> Decimal | None:
    return None if actual is None or expected is None else actual - expected


@router.get("/bills/exceptions", dependencies=[require("finance:read")],
            summary="Bill lines outside the quantity or price tolerance, oldest first")
async def list_exceptions(session: SessionDep,
                          status: Literal["open", "accepted", "rejected"] = "open",
                          supplier_id: uuid.UUID | None = None, limit: LimitQuery = 100,
                          cursor: CursorQuery = None) -> Page[MatchExceptionOut]:
    rows, next_cursor = await matching.exceptions(session, status, supplier_id, limit, cursor)
    return Page(items=[MatchExceptionOut(**r._asdict(),
                                         difference=_difference(r.actual, r.expected))
                       for r in rows], next_cursor=next_cursor)


@router.post("/bills/{bill_id}/exceptions/approve",
             dependencies=[require("finance:close")],
             summary="Accept a bill's open exceptions: the bill can be paid")
async def approve_exceptions(bill_id: uuid.UUID, body: ApprovalIn, session: SessionDep,
                             principal: CurrentPrincipal) -> BillOut:
    await matching.approve(session, bill_id, principal.subject, body.note)
    await session.commit()
    return await get_bill(bill_id, session)


@router.post("/bills/{bill_id}/exceptions/reject",
             dependencies=[require("finance:close")],
             summary="Dispute a bill's open exceptions: the bill stays on hold")
async def reject_exceptions(bill_id: uuid.UUID, body: RejectionIn, session: SessionDep,
                            principal: CurrentPrincipal) -> BillOut:
    await matching.reject(session, bill_id, principal.subject, body.note)
    await session.commit()
    return await get_bill(bill_id, session)
