"""Barcode and RFID scanning: resolve what was scanned to a product (and lot)
and, when asked, post a quick receipt or issue or add a stocktake entry."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pyepc import decode as decode_epc
from pyepc.exceptions import EPCException
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.tables import ProductBarcodeRow, ProductRow
from jxc.inventory.domain import gs1
from jxc.inventory.domain.barcodes import BarcodeInvalid, normalise
from jxc.inventory.domain.costing import round_money
from jxc.inventory.domain.moves import MoveLine, MoveType
from jxc.inventory.service_layer import counts, moves, warehouses
from jxc.inventory.service_layer.ledger import PostedMove
from jxc.inventory.service_layer.units import unit_sets
from jxc.platform.auth import Principal
from jxc.platform.errors import Forbidden, InvalidInput, NotFound

Action = Literal["lookup", "receipt", "issue", "count"]
NEEDS = {"receipt": "inventory:post", "issue": "inventory:post", "count": "inventory:adjust"}


@dataclass(frozen=True)
class ScanRequest:
    code: str
    action: Action = "lookup"
    warehouse_id: uuid.UUID | None = None
    quantity: Decimal = Decimal(1)
    unit_cost: Decimal | None = None
    lot: str | None = None
    count_id: uuid.UUID | None = None


@dataclass
class ScanOutcome:
    resolved: dict[str, Any]
    move: PostedMove | None = None
    recorded: int | None = None


def _field_error(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": field_name, "in": "body",
                                          "message": message}])


async def _by_gtins(session: AsyncSession, gtins: set[str]) -> dict[str, Any]:
    rows = (await session.execute(
        select(ProductBarcodeRow.barcode, ProductBarcodeRow.unit, ProductRow.id,
               ProductRow.sku, ProductRow.name, ProductRow.unit.label("base_unit"))
        .join(ProductRow, ProductRow.id == ProductBarcodeRow.product_id)
        .where(ProductBarcodeRow.barcode.in_(gtins)))).all()
    return {row.barcode: row for row in rows}


async def _authorise(session: AsyncSession, principal: Principal, action: str,
                     warehouse_id: uuid.UUID | None) -> None:
    needed = NEEDS.get(action)
    if needed and not principal.can(needed):
        raise Forbidden(f"{needed} is required to {action} by scanning", missing=[needed])
    await warehouses.authorise(session, principal, warehouse_id)


async def scan(session: AsyncSession, principal: Principal, request: ScanRequest) -> ScanOutcome:
    try:
        scanned = gs1.parse(request.code)
    except BarcodeInvalid as exc:
        raise _field_error("code", str(exc)) from exc
    match = (await _by_gtins(session, {scanned.gtin})).get(scanned.gtin)
    if match is None:
        raise NotFound(f"no product has barcode {scanned.gtin}", code="unknown_barcode")
    units = (await unit_sets(session, {match.id}))[match.id]
    base_quantity = units.to_base(request.quantity, match.unit)
    lot = request.lot or scanned.lot
    resolved = {"product_id": match.id, "sku": match.sku, "name": match.name,
                "unit": match.unit, "base_quantity": base_quantity, "lot": lot,
                "expires_on": scanned.expires_on}
    if request.action == "lookup":
        return ScanOutcome(resolved)
    if request.action == "count":
        if request.count_id is None:
            raise _field_error("count_id", "required to add a count entry")
        count = await counts.get_count(session, request.count_id)
        await _authorise(session, principal, "count", count.warehouse_id)
        recorded = await counts.add_entries(session, count.id, [counts.Entry(
            match.id, base_quantity, lot, principal.username)])
        return ScanOutcome(resolved, recorded=recorded)
    if request.warehouse_id is None:
        raise _field_error("warehouse_id", f"required to post a {request.action}")
    await _authorise(session, principal, request.action, request.warehouse_id)
    factor = units.factor(match.unit)
    unit_cost = None if request.unit_cost is None else round_money(request.unit_cost / factor)
    move = await moves.post_move(
        session, move_type=MoveType(request.action), warehouse_id=request.warehouse_id,
        lines=[MoveLine(product_id=match.id, quantity=base_quantity,
                        unit_cost=unit_cost, lot=lot, expires_on=scanned.expires_on)],
        reference=f"scan {request.code}"[:100], created_by=principal.username)
    return ScanOutcome(resolved, move=move)


@dataclass
class _Tally:
    product_id: uuid.UUID
    sku: str
    gtin: str
    unit: str
    tags: int = 0
    epcs: list[str] = field(default_factory=list)


async def rfid(session: AsyncSession, principal: Principal, epcs: list[str], action: str,
               count_id: uuid.UUID | None) -> dict[str, Any]:
    """Decode SGTIN EPCs (each tag once), group them by product and, for a
    count, add one entry per product with its tag count in base units."""
    unknown: list[str] = []
    by_gtin: Counter[str] = Counter()
    for epc in dict.fromkeys(e.strip().upper() for e in epcs):
        try:
            decoded = decode_epc(epc)
            gtin = normalise(str(decoded.gtin))
        except (EPCException, AttributeError, ValueError, BarcodeInvalid):
            unknown.append(epc)
            continue
        by_gtin[gtin] += 1
    matches = await _by_gtins(session, set(by_gtin))
    tallies: dict[uuid.UUID, _Tally] = {}
    for gtin, tags in by_gtin.items():
        match = matches.get(gtin)
        if match is None:
            unknown.append(gtin)
            continue
        tally = tallies.setdefault(match.id, _Tally(match.id, match.sku, gtin, match.unit))
        tally.tags += tags
    recorded = None
    if action == "count":
        if count_id is None:
            raise _field_error("count_id", "required to count tags")
        count = await counts.get_count(session, count_id)
        await _authorise(session, principal, "count", count.warehouse_id)
        sets = await unit_sets(session, set(tallies))
        recorded = await counts.add_entries(session, count.id, [
            counts.Entry(t.product_id, sets[t.product_id].to_base(Decimal(t.tags), t.unit),
                         None, f"rfid:{principal.username}")
            for t in tallies.values()]) if tallies else 0
    return {"items": [{"product_id": t.product_id, "sku": t.sku, "gtin": t.gtin,
                       "tags": t.tags} for t in tallies.values()],
            "unknown": unknown, "recorded": recorded}
