"""Purchase requisitions (请购单): raise, list, change, cancel, and convert
into draft purchase orders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from jxc.contracts.base import Quantity
from jxc.platform.api import CursorQuery, IfMatchHeader, LimitQuery, Page, SessionDep, etag
from jxc.platform.auth import Principal, require
from jxc.procurement.service_layer import requisitions
from jxc.procurement.service_layer.requisitions import NewRequisitionLine, Requisition

router = APIRouter(prefix="/api/v1/procurement", tags=["procurement: requisitions"])
PositiveQuantityIn = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=4)]
Requester = Annotated[Principal, require("procurement:requisition")]
Reader = Annotated[Principal, require("procurement:read")]
Buyer = Annotated[Principal, require("procurement:write")]


class RequisitionLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    quantity: PositiveQuantityIn
    supplier_id: uuid.UUID | None = Field(
        default=None, description="who to buy from; needed before conversion")
    needed_by: date | None = None


class RequisitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    warehouse_id: uuid.UUID
    lines: list[RequisitionLineIn] = Field(min_length=1, max_length=1000)
    note: str | None = Field(default=None, max_length=500)


class RequisitionLinePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier_id: uuid.UUID | None = None
    quantity: PositiveQuantityIn | None = None
    needed_by: date | None = None


class RequisitionLineOut(BaseModel):
    line_no: int
    product_id: uuid.UUID
    quantity: Quantity
    supplier_id: uuid.UUID | None
    needed_by: date | None
    order_id: uuid.UUID | None = Field(description="the purchase order it was converted into")


class RequisitionOut(BaseModel):
    id: uuid.UUID
    number: str
    warehouse_id: uuid.UUID
    branch_id: uuid.UUID | None
    source: Literal["manual", "auto"]
    status: Literal["open", "converted", "cancelled"]
    note: str | None
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    lines: list[RequisitionLineOut]


class ConvertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requisition_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class ConvertedOrderOut(BaseModel):
    order_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    requisition_ids: list[uuid.UUID]


class ConversionOut(BaseModel):
    orders: list[ConvertedOrderOut]


def _out(requisition: Requisition) -> RequisitionOut:
    return RequisitionOut(**dict(requisition.header._mapping), lines=[
        RequisitionLineOut.model_validate(dict(line._mapping)) for line in requisition.lines])


async def _reply(session: Any, principal: Principal, requisition_id: uuid.UUID,
                 response: Response) -> RequisitionOut:
    requisition = await requisitions.get_requisition(session, principal, requisition_id)
    response.headers["ETag"] = etag(requisition.header.version)
    return _out(requisition)


@router.post("/requisitions", status_code=status.HTTP_201_CREATED,
             summary="Raise a purchase requisition for a warehouse")
async def raise_requisition(body: RequisitionIn, session: SessionDep, principal: Requester,
                            response: Response) -> RequisitionOut:
    requisition_id = await requisitions.raise_requisition(
        session, principal, warehouse_id=body.warehouse_id, note=body.note,
        lines=[NewRequisitionLine(**line.model_dump()) for line in body.lines])
    await session.commit()
    return await _reply(session, principal, requisition_id, response)


@router.get("/requisitions", summary="Purchase requisitions, by number")
async def list_requisitions(
        session: SessionDep, principal: Reader,
        status_: Annotated[Literal["open", "converted", "cancelled"] | None,
                           Query(alias="status")] = None,
        warehouse_id: uuid.UUID | None = None, limit: LimitQuery = 50,
        cursor: CursorQuery = None) -> Page[RequisitionOut]:
    found, next_cursor = await requisitions.list_requisitions(
        session, principal, status=status_, warehouse_id=warehouse_id, limit=limit,
        cursor=cursor)
    return Page(items=[_out(r) for r in found], next_cursor=next_cursor)


@router.get("/requisitions/{requisition_id}")
async def get_requisition(requisition_id: uuid.UUID, session: SessionDep, principal: Reader,
                          response: Response) -> RequisitionOut:
    return await _reply(session, principal, requisition_id, response)


@router.patch("/requisitions/{requisition_id}/lines/{line_no}",
              summary="Change an open requisition's line: supplier, quantity, date needed")
async def change_line(requisition_id: uuid.UUID, line_no: int, body: RequisitionLinePatch,
                      session: SessionDep, principal: Requester, response: Response,
                      if_match: IfMatchHeader = None) -> RequisitionOut:
    await requisitions.change_line(session, principal, requisition_id, line_no,
                                   if_match=if_match, changes=body.model_dump(exclude_unset=True))
    await session.commit()
    return await _reply(session, principal, requisition_id, response)


@router.post("/requisitions/{requisition_id}/cancel")
async def cancel_requisition(requisition_id: uuid.UUID, session: SessionDep,
                             principal: Requester, response: Response,
                             if_match: IfMatchHeader = None) -> RequisitionOut:
    await requisitions.cancel(session, principal, requisition_id, if_match=if_match)
    await session.commit()
    return await _reply(session, principal, requisition_id, response)


@router.post("/requisitions/convert", status_code=status.HTTP_201_CREATED,
             summary="Convert open requisitions into draft purchase orders",
             description="One draft order per (supplier, warehouse), one line per product, "
                         "priced at the supplier's best valid list price for the quantity, "
                         "else the last price paid to it. All requisitions or none.")
async def convert(body: ConvertIn, session: SessionDep, principal: Buyer) -> ConversionOut:
    converted = await requisitions.convert(session, principal, body.requisition_ids)
    await session.commit()
    return ConversionOut(orders=[ConvertedOrderOut(
        order_id=c.order_id, number=c.number, supplier_id=c.supplier_id,
        warehouse_id=c.warehouse_id, requisition_ids=list(c.requisition_ids))
        for c in converted])
