"""The organisation tree: branches under parent branches, never in a cycle;
each change announced as ``BranchUpserted``."""

from __future__ import annotations

import uuid
import zlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.identity import BranchUpserted
from jxc.identity.adapters.tables import BranchRow
from jxc.identity.domain.branches import creates_cycle
from jxc.identity.service_layer import audit
from jxc.identity.service_layer.context import Caller
from jxc.identity.service_layer.paging import keyset
from jxc.identity.service_layer.scope import branch_parents
from jxc.platform.api import check_if_match
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.platform.outbox import emit

TREE_LOCK = zlib.crc32(b"jxc.identity.branch_tree")
"""Serialises moves in the tree: two concurrent moves could each be
acyclic alone and make a cycle together."""


def _announce(row: BranchRow) -> BranchUpserted:
    return BranchUpserted(branch_id=row.id, code=row.code, name=row.name,
                          parent_id=row.parent_id, active=row.active, version=row.version)


async def _save(session: AsyncSession, caller: Caller, row: BranchRow, op: str) -> BranchRow:
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"a branch with code {row.code!r} already exists",
                       code="duplicate") from exc
    await emit(session, _announce(row), correlation_id=caller.request_id or None)
    await audit.record(session, caller, "branch.changed", resource=f"branch:{row.id}",
                       detail={"op": op, "code": row.code, "parent_id": row.parent_id and
                               str(row.parent_id)})
    await session.commit()
    await session.refresh(row)
    return row


async def _parent_must_exist(session: AsyncSession, parent_id: uuid.UUID | None) -> None:
    if parent_id is not None and await session.get(BranchRow, parent_id) is None:
        raise InvalidInput("the parent branch does not exist", code="unknown_branch", errors=[
            {"field": "parent_id", "in": "body", "type": "unknown_branch",
             "message": f"no branch {parent_id}"}])


async def create(session: AsyncSession, caller: Caller, fields: dict[str, Any]) -> BranchRow:
    await _parent_must_exist(session, fields.get("parent_id"))
    row = BranchRow(id=new_id(), code=fields["code"], name=fields["name"],
                    parent_id=fields.get("parent_id"), active=fields.get("active", True),
                    version=1)
    return await _save(session, caller, row, "create")


async def update(session: AsyncSession, caller: Caller, branch_id: uuid.UUID,
                 changes: dict[str, Any], if_match: str | None) -> BranchRow:
    if "parent_id" in changes:
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": TREE_LOCK})
    row = (await session.execute(select(BranchRow).where(BranchRow.id == branch_id)
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no branch {branch_id}")
    check_if_match(if_match, row.version)
    if "parent_id" in changes:
        parent = changes["parent_id"]
        await _parent_must_exist(session, parent)
        if creates_cycle(await branch_parents(session), row.id, parent):
            raise Conflict("a branch cannot be placed under itself or its own descendants",
                           code="branch_cycle")
        row.parent_id = parent
    for name in ("code", "name", "active"):
        if changes.get(name) is not None:
            setattr(row, name, changes[name])
    row.version += 1
    row.updated_at = datetime.now(UTC)
    return await _save(session, caller, row, "update")


async def get(session: AsyncSession, branch_id: uuid.UUID) -> BranchRow:
    row = await session.get(BranchRow, branch_id)
    if row is None:
        raise NotFound(f"no branch {branch_id}")
    return row


async def page(session: AsyncSession, limit: int, cursor: str | None, *,
               parent_id: uuid.UUID | None = None, visible: Any = None
               ) -> tuple[list[BranchRow], str | None]:
    query = select(BranchRow)
    if parent_id is not None:
        query = query.where(BranchRow.parent_id == parent_id)
    if visible is not None:
        query = query.where(visible)
    return await keyset(session, query, BranchRow.code, limit, cursor)
