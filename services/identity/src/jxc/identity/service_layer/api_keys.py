"""API keys for partner systems: created with at most their creator's
permissions and scope, shown once, revoked at will."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.identity.adapters.tables import ApiKeyRow
from jxc.identity.domain import api_keys
from jxc.identity.service_layer import audit, roles
from jxc.identity.service_layer.context import Caller
from jxc.identity.service_layer.paging import keyset, uuid_key
from jxc.platform.envelope import new_id
from jxc.platform.errors import Forbidden, InvalidInput, NotFound


def _ids(values: list[Any] | None) -> list[str] | None:
    return None if values is None else sorted({str(v) for v in values})


async def create(session: AsyncSession, caller: Caller,
                 fields: dict[str, Any]) -> tuple[ApiKeyRow, str]:
    permissions = roles.check_permissions(caller, fields["permissions"])
    branches, warehouses = _ids(fields.get("branches")), _ids(fields.get("warehouses"))
    if caller.branches is not None and (branches is None or not set(branches) <= caller.branches):
        raise Forbidden("a key cannot see branches its creator cannot", code="out_of_scope")
    if caller.warehouses is not None and (
            (warehouses is None and branches is None)
            or not set(warehouses or ()) <= caller.warehouses):
        raise Forbidden("a key cannot see warehouses its creator cannot", code="out_of_scope")
    expires_at = fields.get("expires_at")
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise InvalidInput("expires_at is in the past", errors=[
            {"field": "expires_at", "in": "body", "type": "in_the_past",
             "message": "must be in the future"}])
    secret, prefix, key_hash = api_keys.new_api_key()
    row = ApiKeyRow(id=new_id(), name=fields["name"], prefix=prefix, key_hash=key_hash,
                    permissions=permissions, branches=branches, warehouses=warehouses,
                    rate_tier=fields.get("rate_tier", "standard"), expires_at=expires_at,
                    created_by=caller.actor_id)
    session.add(row)
    await audit.record(session, caller, "api_key.created", resource=f"api_key:{row.id}",
                       detail={"name": row.name, "prefix": prefix, "permissions": permissions,
                               "rate_tier": row.rate_tier})
    await session.commit()
    await session.refresh(row)
    return row, secret


async def get(session: AsyncSession, key_id: uuid.UUID) -> ApiKeyRow:
    row = await session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id}")
    return row


async def page(session: AsyncSession, limit: int, cursor: str | None,
               include_revoked: bool = True) -> tuple[list[ApiKeyRow], str | None]:
    query = select(ApiKeyRow)
    if not include_revoked:
        query = query.where(ApiKeyRow.revoked_at.is_(None))  # type: ignore[union-attr]
    return await keyset(session, query, ApiKeyRow.id, limit, cursor, uuid_key)


async def revoke(session: AsyncSession, caller: Caller, key_id: uuid.UUID) -> ApiKeyRow:
    row = (await session.execute(select(ApiKeyRow).where(ApiKeyRow.id == key_id)
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        await audit.record(session, caller, "api_key.revoked", resource=f"api_key:{row.id}",
                           detail={"name": row.name, "prefix": row.prefix})
        await session.commit()
        await session.refresh(row)
    return row
