"""Roles: create, change, delete (never while assigned, never a built-in
one), and what a user's roles add up to."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.permissions import SUPERUSER
from jxc.identity.adapters.tables import RoleRow, UserRoleRow
from jxc.identity.domain.roles import (
    effective_permissions,
    normalise,
    not_granted,
    unknown_permissions,
)
from jxc.identity.service_layer import audit
from jxc.identity.service_layer.context import Caller
from jxc.identity.service_layer.paging import keyset
from jxc.platform.api import check_if_match
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, Forbidden, InvalidInput, NotFound


def check_permissions(caller: Caller, permissions: Iterable[str], field: str = "permissions"
                      ) -> list[str]:
    """Known to the catalogue, and held by the caller (nobody hands on more
    than they have); normalised."""
    permissions = list(permissions)
    unknown = unknown_permissions(permissions)
    if unknown:
        raise InvalidInput(f"unknown permissions: {', '.join(unknown)}", code="unknown_permission",
                           errors=[{"field": field, "in": "body", "type": "unknown_permission",
                                    "message": f"{p!r} is not in the permission catalogue"}
                                   for p in unknown])
    missing = not_granted(caller.permissions, permissions)
    if missing:
        raise Forbidden(f"you cannot grant permissions you do not hold: {', '.join(missing)}",
                        code="cannot_grant", missing=missing)
    return normalise(permissions)


async def create(session: AsyncSession, caller: Caller, fields: dict[str, Any]) -> RoleRow:
    permissions = check_permissions(caller, fields["permissions"])
    row = RoleRow(id=new_id(), name=fields["name"], description=fields.get("description") or "",
                  permissions=permissions, builtin=False, version=1)
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"a role named {fields['name']!r} already exists", code="duplicate") from exc
    await audit.record(session, caller, "role.changed", resource=f"role:{row.id}",
                       detail={"op": "create", "name": row.name, "permissions": permissions})
    await session.commit()
    await session.refresh(row)
    return row


async def get(session: AsyncSession, role_id: uuid.UUID) -> RoleRow:
    row = await session.get(RoleRow, role_id)
    if row is None:
        raise NotFound(f"no role {role_id}")
    return row


async def page(session: AsyncSession, limit: int, cursor: str | None
               ) -> tuple[list[RoleRow], str | None]:
    return await keyset(session, select(RoleRow), RoleRow.name, limit, cursor)


async def _locked(session: AsyncSession, role_id: uuid.UUID, if_match: str | None) -> RoleRow:
    row = (await session.execute(select(RoleRow).where(RoleRow.id == role_id)
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no role {role_id}")
    check_if_match(if_match, row.version)
    return row


async def update(session: AsyncSession, caller: Caller, role_id: uuid.UUID,
                 changes: dict[str, Any], if_match: str | None) -> RoleRow:
    row = await _locked(session, role_id, if_match)
    before = list(row.permissions)
    # changing a role changes what its holders may do: the caller must hold
    # what it grants now as well as what it granted before
    check_permissions(caller, before)
    if changes.get("permissions") is not None:
        row.permissions = check_permissions(caller, changes["permissions"])
    if changes.get("description") is not None:
        row.description = changes["description"]
    row.version += 1
    row.updated_at = datetime.now(UTC)
    session.add(row)
    if SUPERUSER in before:
        await ensure_an_admin_remains(session)
    await audit.record(session, caller, "role.changed", resource=f"role:{row.id}", detail={
        "op": "update", "name": row.name, "before": before, "after": row.permissions})
    await session.commit()
    await session.refresh(row)
    return row


async def delete(session: AsyncSession, caller: Caller, role_id: uuid.UUID,
                 if_match: str | None) -> None:
    row = await _locked(session, role_id, if_match)
    if row.builtin:
        raise Conflict(f"{row.name} is a built-in role; change it instead", code="builtin_role")
    holders = await session.scalar(select(func.count()).select_from(UserRoleRow).where(
        UserRoleRow.role_id == role_id))
    if holders:
        raise Conflict(f"{holders} user(s) hold {row.name}; take it from them first",
                       code="role_in_use", holders=holders)
    await session.delete(row)
    try:
        await session.flush()
    except IntegrityError as exc:  # assigned meanwhile
        await session.rollback()
        raise Conflict(f"{row.name} was just assigned", code="role_in_use") from exc
    await audit.record(session, caller, "role.changed", resource=f"role:{role_id}",
                       detail={"op": "delete", "name": row.name})
    await session.commit()


async def ensure_an_admin_remains(session: AsyncSession) -> None:
    """Refuse a change (before commit) that leaves no active user holding ``*``:
    nobody could manage identity any more."""
    await session.flush()
    left = await session.scalar(text(
        "SELECT count(*) FROM app_user u JOIN user_role ur ON ur.user_id = u.id "
        "JOIN role r ON r.id = ur.role_id WHERE u.active AND r.permissions @> '[\"*\"]'"))
    if not left:
        raise Conflict("this would leave no active administrator (a user holding '*')",
                       code="last_admin")


async def by_names(session: AsyncSession, names: Iterable[str]) -> list[RoleRow]:
    """The named roles; 422 naming those that do not exist."""
    wanted = sorted(set(names))
    if not wanted:
        return []
    rows = list((await session.execute(select(RoleRow).where(
        RoleRow.name.in_(wanted)))).scalars())  # type: ignore[attr-defined]
    missing = sorted(set(wanted) - {r.name for r in rows})
    if missing:
        raise InvalidInput(f"unknown roles: {', '.join(missing)}", code="unknown_role",
                           errors=[{"field": "roles", "in": "body", "type": "unknown_role",
                                    "message": f"no role named {m!r}"} for m in missing])
    return rows


async def of_users(session: AsyncSession, user_ids: Iterable[uuid.UUID]
                   ) -> dict[uuid.UUID, list[RoleRow]]:
    ids = list(user_ids)
    found: dict[uuid.UUID, list[RoleRow]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await session.execute(
        select(UserRoleRow.user_id, RoleRow).join(RoleRow, RoleRow.id == UserRoleRow.role_id)
        .where(UserRoleRow.user_id.in_(ids)).order_by(RoleRow.name))  # type: ignore[attr-defined]
    for user_id, role in rows:
        found[user_id].append(role)
    return found


async def permissions_of(session: AsyncSession, user_id: uuid.UUID) -> tuple[list[str], list[str]]:
    """(role names, effective permissions) of a user."""
    held = (await of_users(session, [user_id]))[user_id]
    return [r.name for r in held], effective_permissions(r.permissions for r in held)
