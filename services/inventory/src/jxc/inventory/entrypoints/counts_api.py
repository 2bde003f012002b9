"""Stocktaking (盘点) and scanning: open a count, let scanners add entries,
review the variances, post them; resolve barcodes and RFID reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from jxc.contracts.base import Money, Quantity
from jxc.inventory.adapters.stock_tables import StockCountRow
from jxc.inventory.domain.moves import InsufficientStock
from jxc.inventory.entrypoints.problems import insufficient_stock
from jxc.inventory.entrypoints.stock_api import MoveOut
from jxc.inventory.service_layer import counts, scanning, warehouses
from jxc.platform.api import SessionDep
from jxc.platform.auth import Principal, require

router = APIRouter(prefix="/api/v1/inventory", tags=["inventory"])
Counter = Annotated[Principal, require("inventory:adjust")]
CountQuantity = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]


class CountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    warehouse_id: uuid.UUID


class CountOut(BaseModel):
    id: uuid.UUID
    number: str
    warehouse_id: uuid.UUID
    status: str
    snapshot_seq: int
    move_id: uuid.UUID | None
    created_at: datetime
    posted_at: datetime | None


@router.post("/counts", status_code=status.HTTP_201_CREATED, response_model=CountOut)
async def open_count(body: CountIn, session: SessionDep, principal: Counter) -> StockCountRow:
    """Open a count: the warehouse's ledger position is frozen as its snapshot."""
    await warehouses.authorise(session, principal, body.warehouse_id)
    row = await counts.open_count(session, body.warehouse_id)
    await session.commit()
    await session.refresh(row)
    return row


@router.get("/counts/{count_id}", response_model=CountOut)
async def get_count(count_id: uuid.UUID, session: SessionDep,
                    principal: Annotated[Principal, require("inventory:read")]) -> StockCountRow:
    row = await counts.get_count(session, count_id)
    await warehouses.authorise(session, principal, row.warehouse_id)
    return row


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    quantity: CountQuantity
    lot: str | None = Field(default=None, min_length=1, max_length=64)


class EntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scanner: str = Field(default="", max_length=64)
    entries: list[EntryIn] = Field(min_length=1, max_length=20_000)


@router.post("/counts/{count_id}/entries", status_code=status.HTTP_201_CREATED)
async def add_entries(count_id: uuid.UUID, body: EntriesIn, session: SessionDep,
                      principal: Counter) -> dict[str, int]:
    """A scanner's batch. Entries add up (two shelves of one product); every
    invalid entry is reported at once and then none is recorded."""
    row = await counts.get_count(session, count_id)
    await warehouses.authorise(session, principal, row.warehouse_id)
    recorded = await counts.add_entries(session, count_id, [
        counts.Entry(e.product_id, e.quantity, e.lot, body.scanner or principal.username)
        for e in body.entries])
    await session.commit()
    return {"recorded": recorded}


class VarianceOut(BaseModel):
    product_id: uuid.UUID
    lot: str | None
    counted: Quantity
    expected: Quantity
    difference: Quantity


def _variance(v: counts.Variance) -> VarianceOut:
    return VarianceOut(product_id=v.product_id, lot=v.lot, counted=v.counted,
                       expected=v.expected, difference=v.difference)


@router.get("/counts/{count_id}/variances", response_model=list[VarianceOut])
async def preview(count_id: uuid.UUID, session: SessionDep,
                  principal: Annotated[Principal, require("inventory:read")],
                  full: bool = False) -> list[VarianceOut]:
    """What posting would adjust, without posting."""
    row = await counts.get_count(session, count_id)
    await warehouses.authorise(session, principal, row.warehouse_id)
    return [_variance(v) for v in await counts.variances(session, row, full)]


class PostCountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full: bool = Field(default=False, description=(
        "a full count: products with stock at the snapshot that nobody counted are set to 0"))


class PostedCountOut(BaseModel):
    count: CountOut
    variances: list[VarianceOut]
    move: MoveOut | None
    value_change: Money


@router.post("/counts/{count_id}/post", response_model=PostedCountOut)
async def post_count(count_id: uuid.UUID, session: SessionDep, principal: Counter,
                     body: PostCountIn | None = None) -> PostedCountOut:
    """Post every variance at current cost as one ``count`` move."""
    row = await counts.get_count(session, count_id)
    await warehouses.authorise(session, principal, row.warehouse_id)
    try:
        count, found, move = await counts.post_count(
            session, count_id, full=body.full if body else False,
            created_by=principal.username)
    except InsufficientStock as exc:
        await session.rollback()
        raise insufficient_stock(exc) from exc
    await session.commit()
    await session.refresh(count)
    return PostedCountOut(
        count=CountOut.model_validate(count, from_attributes=True),
        variances=[_variance(v) for v in found], move=MoveOut.of(move) if move else None,
        value_change=sum((line.total_cost for line in move.lines), Decimal(0))
        if move else Decimal(0))


@router.post("/counts/{count_id}/cancel", response_model=CountOut)
async def cancel_count(count_id: uuid.UUID, session: SessionDep,
                       principal: Counter) -> StockCountRow:
    row = await counts.get_count(session, count_id)
    await warehouses.authorise(session, principal, row.warehouse_id)
    cancelled = await counts.cancel_count(session, count_id)
    await session.commit()
    await session.refresh(cancelled)
    return cancelled


# -- scanning -----------------------------------------------------------------------
class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=200, description=(
        "an EAN-13/EAN-8/UPC-A/GTIN-14 barcode, or a GS1-128 element string "
        "such as (01)06901234567892(10)LOT7(17)271231"))
    action: Literal["lookup", "receipt", "issue", "count"] = "lookup"
    warehouse_id: uuid.UUID | None = None
    quantity: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=4)] = Decimal(1)
    """In the unit the barcode stands for (a case barcode counts cases)."""
    unit_cost: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)] | None = None
    lot: str | None = Field(default=None, min_length=1, max_length=64)
    count_id: uuid.UUID | None = None


class ScanOut(BaseModel):
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    """The unit the scanned barcode stands for."""
    base_quantity: Quantity
    lot: str | None
    expires_on: date | None
    action: str
    move: MoveOut | None = None
    recorded: int | None = None


@router.post("/scan", response_model=ScanOut)
async def scan(body: ScanIn, session: SessionDep,
               principal: Annotated[Principal, require("inventory:read")]) -> ScanOut:
    """Resolve a barcode to its product and lot; optionally post a quick
    receipt or issue, or add a count entry, with it."""
    outcome = await scanning.scan(session, principal, scanning.ScanRequest(**body.model_dump()))
    await session.commit()
    return ScanOut(**outcome.resolved, action=body.action,
                   move=MoveOut.of(outcome.move) if outcome.move else None,
                   recorded=outcome.recorded)


class RfidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    epcs: list[str] = Field(min_length=1, max_length=10_000, description=(
        "EPCs as read (hex, e.g. SGTIN-96 3074257BF7194E4000001A85); repeated reads "
        "of one tag count once"))
    action: Literal["lookup", "count"] = "lookup"
    count_id: uuid.UUID | None = None


class RfidItem(BaseModel):
    product_id: uuid.UUID
    sku: str
    gtin: str
    tags: int


class RfidOut(BaseModel):
    items: list[RfidItem]
    unknown: list[str]
    """EPCs that are not SGTINs or whose GTIN is not a product's barcode."""
    recorded: int | None = None


@router.post("/scan/rfid", response_model=RfidOut)
async def scan_rfid(body: RfidIn, session: SessionDep,
                    principal: Annotated[Principal, require("inventory:read")]) -> Any:
    """A batch of RFID tag reads, decoded and grouped by product; with
    ``action: count`` each product's tag count goes into the stocktake."""
    result = await scanning.rfid(session, principal, body.epcs, body.action, body.count_id)
    await session.commit()
    return result
