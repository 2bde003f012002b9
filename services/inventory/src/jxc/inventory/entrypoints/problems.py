"""Inventory's own problem responses."""

from __future__ import annotations

from jxc.inventory.domain.moves import InsufficientStock
from jxc.platform.errors import Conflict


def insufficient_stock(exc: InsufficientStock) -> Conflict:
    """409 ``insufficient_stock`` listing every shortage; nothing was changed."""
    return Conflict(
        "not enough stock available; nothing was posted", code="insufficient_stock",
        shortages=[{"product_id": str(s.product_id), "warehouse_id": str(s.warehouse_id),
                    "lot": s.lot, "requested": f"{s.requested:.4f}",
                    "available": f"{s.available:.4f}", "missing": f"{s.missing:.4f}"}
                   for s in exc.shortages])
