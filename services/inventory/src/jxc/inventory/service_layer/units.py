"""Quantities typed in a product's other units (箱, 打…) converted to its base
unit before they reach the ledger."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.tables import ProductRow, ProductUnitRow
from jxc.inventory.domain.costing import round_money
from jxc.inventory.domain.moves import MoveLine
from jxc.inventory.domain.units import UnitConversion, UnitRuleBroken, UnitSet
from jxc.platform.errors import InvalidInput

QUANTITY_PLACES = Decimal("0.0001")


async def unit_sets(session: AsyncSession, product_ids: set[uuid.UUID]) -> dict[uuid.UUID, UnitSet]:
    bases = dict((await session.execute(
        select(ProductRow.id, ProductRow.unit).where(ProductRow.id.in_(product_ids)))).all())
    conversions: dict[uuid.UUID, list[UnitConversion]] = defaultdict(list)
    for row in (await session.execute(select(ProductUnitRow).where(
            ProductUnitRow.product_id.in_(product_ids)))).scalars():
        conversions[row.product_id].append(UnitConversion(row.unit, row.factor))
    return {pid: UnitSet(base, tuple(conversions[pid])) for pid, base in bases.items()}


async def in_base_units(session: AsyncSession, lines: list[tuple[MoveLine, str | None]]
                        ) -> list[MoveLine]:
    """Each line in its product's base unit; a unit cost given per ``unit``
    becomes a cost per base unit. Unknown units are reported all at once."""
    wanted = {line.product_id for line, unit in lines if unit is not None}
    sets = await unit_sets(session, wanted) if wanted else {}
    converted: list[MoveLine] = []
    errors = []
    for number, (line, unit) in enumerate(lines):
        units = sets.get(line.product_id)
        if unit is None or units is None or unit == units.base:
            converted.append(line)
            continue
        try:
            factor = units.factor(unit)
            quantity = units.to_base(line.quantity, unit)
        except UnitRuleBroken as exc:
            errors.append({"field": f"lines[{number}].unit", "in": "body", "message": str(exc)})
            continue
        if quantity != quantity.quantize(QUANTITY_PLACES):
            errors.append({"field": f"lines[{number}].quantity", "in": "body",
                           "message": f"{line.quantity} {unit} is {quantity} {units.base}: "
                                      "more than 4 decimal places"})
            continue
        unit_cost = None if line.unit_cost is None else round_money(line.unit_cost / factor)
        converted.append(replace(line, quantity=quantity, unit_cost=unit_cost))
    if errors:
        raise InvalidInput("a line's unit is not one of its product's", errors=errors)
    return converted
