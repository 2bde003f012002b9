"""Category tree use cases, one transaction each. Moving a category takes a
transaction-level advisory lock so that two concurrent moves cannot close a
cycle between them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.tables import CategoryRow
from jxc.inventory.domain.categories import (
    MAX_DEPTH,
    Category,
    CategoryRuleBroken,
    check_parent,
)
from jxc.platform.api import keyset_page
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.platform.records import load_for_update

TREE_LOCK = 0x4A584354  # "JXCT": one category move at a time


def _invalid(exc: CategoryRuleBroken) -> InvalidInput:
    return InvalidInput(str(exc), errors=[{"field": exc.field, "in": "body",
                                           "message": str(exc)}])


async def ancestors(session: AsyncSession, category_id: uuid.UUID) -> list[uuid.UUID]:
    """``category_id`` and the categories above it, nearest first ([] if unknown)."""
    up = (select(CategoryRow.id, CategoryRow.parent_id, literal(0).label("depth"))
          .where(CategoryRow.id == category_id).cte("up", recursive=True))
    up = up.union_all(
        select(CategoryRow.id, CategoryRow.parent_id, (up.c.depth + 1).label("depth"))
        .join(up, CategoryRow.id == up.c.parent_id).where(up.c.depth < MAX_DEPTH * 2))
    rows = await session.execute(select(up.c.id).order_by(up.c.depth))
    return [row.id for row in rows]


def subtree(category_id: uuid.UUID) -> Any:
    """A SELECT of ``category_id`` and every category below it."""
    down = select(CategoryRow.id).where(CategoryRow.id == category_id).cte(
        "down", recursive=True)
    down = down.union(select(CategoryRow.id).join(down, CategoryRow.parent_id == down.c.id))
    return select(down.c.id)


async def _checked_parent(session: AsyncSession, category_id: uuid.UUID | None,
                          parent_id: uuid.UUID | None) -> None:
    if parent_id is None:
        return
    chain = await ancestors(session, parent_id)
    if not chain:
        raise InvalidInput(f"no category {parent_id}", errors=[
            {"field": "parent_id", "in": "body", "message": f"no category {parent_id}"}])
    try:
        check_parent(category_id, parent_id, chain[1:])
    except CategoryRuleBroken as exc:
        raise _invalid(exc) from exc


async def _save(session: AsyncSession, row: CategoryRow) -> CategoryRow:
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("a category with this code already exists", code="duplicate",
                       errors=[{"field": "code", "in": "body",
                                "message": "already used by another category"}]) from exc
    await session.commit()
    await session.refresh(row)
    return row


async def create_category(session: AsyncSession, fields: dict[str, Any]) -> CategoryRow:
    try:
        category = Category(**fields)
    except CategoryRuleBroken as exc:
        raise _invalid(exc) from exc
    await _checked_parent(session, None, category.parent_id)
    return await _save(session, CategoryRow(id=new_id(), code=category.code, name=category.name,
                                            parent_id=category.parent_id, version=1))


async def update_category(session: AsyncSession, category_id: uuid.UUID,
                          changes: dict[str, Any], if_match: str | None) -> CategoryRow:
    moving = "parent_id" in changes
    if moving:
        await session.execute(select(func.pg_advisory_xact_lock(TREE_LOCK)))
    row = await load_for_update(session, CategoryRow, category_id, if_match, "category")
    current = {"code": row.code, "name": row.name, "parent_id": row.parent_id}
    wanted = {**current, **{k: v for k, v in changes.items()
                            if v is not None or k == "parent_id"}}
    try:
        category = Category(**wanted)
    except CategoryRuleBroken as exc:
        raise _invalid(exc) from exc
    if moving and category.parent_id != row.parent_id:
        await _checked_parent(session, row.id, category.parent_id)
    if wanted == current:
        await session.commit()
        return row
    row.code, row.name, row.parent_id = category.code, category.name, category.parent_id
    row.version += 1
    return await _save(session, row)


async def get_category(session: AsyncSession, category_id: uuid.UUID) -> CategoryRow:
    row = await session.get(CategoryRow, category_id)
    if row is None:
        raise NotFound(f"no category {category_id}")
    return row


async def list_categories(session: AsyncSession, limit: int, cursor: str | None,
                          parent_id: uuid.UUID | None = None, roots: bool = False,
                          code: str | None = None) -> tuple[list[CategoryRow], str | None]:
    query = select(CategoryRow)
    if parent_id is not None:
        query = query.where(CategoryRow.parent_id == parent_id)
    elif roots:
        query = query.where(CategoryRow.parent_id.is_(None))  # type: ignore[union-attr]
    if code:
        query = query.where(CategoryRow.code == code)
    return await keyset_page(session, query, CategoryRow.code, limit, cursor)


async def ids_by_code(session: AsyncSession, codes: list[str]) -> dict[str, uuid.UUID]:
    if not codes:
        return {}
    rows = await session.execute(select(CategoryRow.code, CategoryRow.id)
                                 .where(CategoryRow.code.in_(codes)))  # type: ignore[attr-defined]
    return {row.code: row.id for row in rows}

