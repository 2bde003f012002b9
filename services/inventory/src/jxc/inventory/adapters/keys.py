"""Sets of (product, warehouse) keys as SQL: two arrays unnested into a row
set, one bound parameter each however many keys there are. A literal
``(a, b) IN ((…), (…), …)`` list overflows PostgreSQL's stack past ~8,700
pairs and asyncpg's 32,767-parameter limit; this does not."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Uuid, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

Key = tuple[uuid.UUID, uuid.UUID]


def key_rows(keys: Iterable[Key]) -> Any:
    """A table-valued ``unnest(products, warehouses)`` with columns
    ``product_id`` and ``warehouse_id``."""
    ordered = sorted(set(keys))
    return func.unnest(
        bindparam("key_products", [p for p, _ in ordered], type_=ARRAY(Uuid)),
        bindparam("key_warehouses", [w for _, w in ordered], type_=ARRAY(Uuid)),
    ).table_valued("product_id", "warehouse_id").render_derived()


def among(product_column: Any, warehouse_column: Any, keys: Iterable[Key]) -> Any:
    """``(product_column, warehouse_column) IN keys`` for any number of keys."""
    rows = key_rows(keys)
    return tuple_(product_column, warehouse_column).in_(
        select(rows.c.product_id, rows.c.warehouse_id))
