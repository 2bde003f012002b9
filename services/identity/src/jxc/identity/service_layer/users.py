"""Users: accounts, their roles and data scope, temporary passwords, their
own password and MFA. Every change an admin makes is announced as
``UserUpserted`` and audited, in the same transaction."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.identity import UserUpserted
from jxc.contracts.permissions import SUPERUSER
from jxc.identity.adapters.lockout_store import LockoutStore
from jxc.identity.adapters.tables import BranchRow, RoleRow, UserRoleRow, UserRow
from jxc.identity.domain import totp
from jxc.identity.domain.passwords import (
    HashParameters,
    PolicyViolation,
    check_password,
    hash_password,
    verify_password,
)
from jxc.identity.domain.roles import effective_permissions, not_granted
from jxc.identity.service_layer import audit, roles
from jxc.identity.service_layer.auth import revoke_all
from jxc.identity.service_layer.context import Caller
from jxc.identity.service_layer.paging import cursor_value, text_key
from jxc.identity.service_layer.problems import AccountLocked
from jxc.platform.api import check_if_match, encode_cursor
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from jxc.platform.outbox import emit


@dataclass(frozen=True)
class UserView:
    row: UserRow
    roles: list[str]
    permissions: list[str]


def _view(row: UserRow, held: list[RoleRow]) -> UserView:
    return UserView(row, [r.name for r in held],
                    effective_permissions(r.permissions for r in held))


def _uuid_list(values: list[Any] | None) -> list[str] | None:
    return None if values is None else sorted({str(v) for v in values})


def require_policy(password: str, username: str, field: str = "password") -> None:
    broken = check_password(password, username)
    if broken:
        raise weak_password(broken, field)


def weak_password(broken: list[PolicyViolation], field: str) -> InvalidInput:
    return InvalidInput(
        "the password breaks these rules: " + "; ".join(v.message for v in broken),
        code="weak_password", rules=[v.rule for v in broken],
        errors=[{"field": field, "in": "body", "type": f"password_{v.rule}",
                 "message": f"password {v.message}"} for v in broken])


async def _check_scope(session: AsyncSession, caller: Caller, branches: list[str] | None,
                       warehouses: list[str] | None) -> None:
    """Branches exist, and a caller limited to some branches or warehouses
    cannot give anyone more than that."""
    if branches:
        found = {str(b) for b in (await session.execute(select(BranchRow.id).where(
            BranchRow.id.in_([uuid.UUID(b) for b in branches])))).scalars()}  # type: ignore[attr-defined]
        missing = sorted(set(branches) - found)
        if missing:
            raise InvalidInput("unknown branches", code="unknown_branch", errors=[
                {"field": "branches", "in": "body", "type": "unknown_branch",
                 "message": f"no branch {m}"} for m in missing])
    if not _within(caller, branches, warehouses):
        raise Forbidden("you can only give access to your own branches and warehouses",
                        code="out_of_scope")


def _within(caller: Caller, branches: list[str] | None, warehouses: list[str] | None) -> bool:
    if caller.branches is not None and (branches is None or not set(branches) <= caller.branches):
        return False
    return caller.warehouses is None or (
        (warehouses is not None or branches is not None)
        and set(warehouses or ()) <= caller.warehouses)


def _guard_target(caller: Caller, row: UserRow, held: list[RoleRow]) -> None:
    """Nobody changes an account that may do more, or see more, than they may."""
    missing = not_granted(caller.permissions,
                                effective_permissions(r.permissions for r in held))
    if missing or not _within(caller, row.branches, row.warehouses):
        raise Forbidden("this account may do or see more than you; ask someone who may more",
                        code="more_privileged", missing=missing)


async def _set_roles(session: AsyncSession, caller: Caller, user_id: uuid.UUID,
                     names: list[str]) -> list[RoleRow]:
    held = await roles.by_names(session, names)
    for role in held:
        roles.check_permissions(caller, role.permissions, field="roles")
    await session.execute(delete(UserRoleRow).where(UserRoleRow.user_id == user_id))  # type: ignore[arg-type]
    for role in held:
        session.add(UserRoleRow(user_id=user_id, role_id=role.id))
    return sorted(held, key=lambda r: r.name)


async def _announce(session: AsyncSession, caller: Caller, view: UserView, op: str,
                    detail: dict[str, Any] | None = None, action: str = "user.changed") -> None:
    row = view.row
    await emit(session, UserUpserted(
        user_id=row.id, username=row.username, display_name=row.display_name,
        roles=tuple(view.roles),
        branches=None if row.branches is None else tuple(uuid.UUID(b) for b in row.branches),
        warehouses=None if row.warehouses is None else tuple(
            uuid.UUID(w) for w in row.warehouses),
        active=row.active, version=row.version), correlation_id=caller.request_id or None)
    await audit.record(session, caller, action, resource=f"user:{row.id}",
                       detail={"op": op, "username": row.username, **(detail or {})})


async def create(session: AsyncSession, caller: Caller, fields: dict[str, Any],
                 params: HashParameters) -> UserView:
    require_policy(fields["password"], fields["username"])
    branches, warehouses = _uuid_list(fields.get("branches")), _uuid_list(fields.get("warehouses"))
    await _check_scope(session, caller, branches, warehouses)
    row = UserRow(
        id=new_id(), username=fields["username"], display_name=fields["display_name"],
        password_hash=await asyncio.to_thread(hash_password, fields["password"], params),
        branches=branches, warehouses=warehouses, active=fields.get("active", True),
        must_change_password=fields.get("must_change_password", True), version=1)
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"a user named {fields['username']!r} already exists",
                       code="duplicate") from exc
    held = await _set_roles(session, caller, row.id, fields.get("roles") or [])
    view = _view(row, held)
    await _announce(session, caller, view, "create", {"roles": view.roles})
    await session.commit()
    return view


async def _locked(session: AsyncSession, user_id: uuid.UUID,
                  if_match: str | None = None) -> UserRow:
    row = (await session.execute(select(UserRow).where(UserRow.id == user_id)
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no user {user_id}")
    check_if_match(if_match, row.version)
    return row


def _bump(row: UserRow) -> None:
    row.version += 1
    row.updated_at = datetime.now(UTC)


async def get(session: AsyncSession, user_id: uuid.UUID) -> UserView:
    row = await session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"no user {user_id}")
    return _view(row, (await roles.of_users(session, [row.id]))[row.id])


async def page(session: AsyncSession, limit: int, cursor: str | None, *,
               active: bool | None = None, role: str | None = None,
               q: str | None = None) -> tuple[list[UserView], str | None]:
    query = select(UserRow)
    after = cursor_value(cursor, text_key)
    if after is not None:
        query = query.where(UserRow.username > after)
    if active is not None:
        query = query.where(UserRow.active == active)
    if role:
        query = query.where(UserRow.id.in_(  # type: ignore[attr-defined]
            select(UserRoleRow.user_id).join(RoleRow, RoleRow.id == UserRoleRow.role_id)
            .where(RoleRow.name == role)))
    if q:
        query = query.where(UserRow.username.contains(q, autoescape=True)  # type: ignore[attr-defined]
                            | UserRow.display_name.contains(q, autoescape=True))  # type: ignore[attr-defined]
    rows = list((await session.execute(query.order_by(UserRow.username).limit(limit + 1)))
                .scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor({"after": rows[-1].username})
    held = await roles.of_users(session, [r.id for r in rows])
    return [_view(r, held[r.id]) for r in rows], next_cursor


async def update(session: AsyncSession, caller: Caller, user_id: uuid.UUID,
                 changes: dict[str, Any], if_match: str | None) -> UserView:
    row = await _locked(session, user_id, if_match)
    before = (await roles.of_users(session, [row.id]))[row.id]
    _guard_target(caller, row, before)
    before_roles = [r.name for r in before]
    changed = sorted(changes)
    if "branches" in changes or "warehouses" in changes:
        row.branches = _uuid_list(changes["branches"]) if "branches" in changes else row.branches
        row.warehouses = (_uuid_list(changes["warehouses"]) if "warehouses" in changes
                          else row.warehouses)
        await _check_scope(session, caller, row.branches, row.warehouses)
    if changes.get("display_name") is not None:
        row.display_name = changes["display_name"]
    if changes.get("active") is not None:
        row.active = changes["active"]
    if "roles" in changes:
        held = await _set_roles(session, caller, row.id, changes["roles"] or [])
    else:
        held = before
    if not row.active:
        await revoke_all(session, row.id)
    _bump(row)
    session.add(row)
    if any(SUPERUSER in r.permissions for r in before):
        await roles.ensure_an_admin_remains(session)
    view = _view(row, held)
    detail: dict[str, Any] = {"changed": changed}
    if "roles" in changes:
        detail["roles"] = {"before": before_roles, "after": view.roles}
    await _announce(session, caller, view, "update", detail)
    await session.commit()
    return view


async def disable(session: AsyncSession, caller: Caller, user_id: uuid.UUID) -> UserView:
    return await update(session, caller, user_id, {"active": False}, None)


async def reset_password(session: AsyncSession, caller: Caller, lockout: LockoutStore,
                         user_id: uuid.UUID, password: str, params: HashParameters) -> UserView:
    """An admin sets a temporary password: the user must change it at the
    next login; their sessions end and any lock is lifted."""
    row = await _locked(session, user_id)
    held = (await roles.of_users(session, [row.id]))[row.id]
    _guard_target(caller, row, held)
    require_policy(password, row.username)
    row.password_hash = await asyncio.to_thread(hash_password, password, params)
    row.must_change_password = True
    row.password_changed_at = datetime.now(UTC)
    await revoke_all(session, row.id)
    _bump(row)
    session.add(row)
    view = _view(row, held)
    await _announce(session, caller, view, "reset_password", {"temporary": True},
                    action="password.changed")
    await session.commit()
    await lockout.clear(row.username)
    return view


async def revoke_sessions(session: AsyncSession, caller: Caller, user_id: uuid.UUID) -> int:
    row = await _locked(session, user_id)
    _guard_target(caller, row, (await roles.of_users(session, [row.id]))[row.id])
    revoked = await revoke_all(session, user_id)
    await audit.record(session, caller, "sessions.revoked", resource=f"user:{user_id}",
                       detail={"refresh_tokens": revoked})
    await session.commit()
    return revoked


async def reset_mfa(session: AsyncSession, caller: Caller, user_id: uuid.UUID) -> UserView:
    """Turn a user's MFA off (a lost phone); they may enrol again."""
    row = await _locked(session, user_id)
    _guard_target(caller, row, (await roles.of_users(session, [row.id]))[row.id])
    row.mfa_enabled = False
    row.mfa_secret = row.mfa_pending_secret = None
    row.mfa_last_step = None
    await revoke_all(session, row.id)
    row.updated_at = datetime.now(UTC)
    session.add(row)
    await audit.record(session, caller, "mfa.reset", resource=f"user:{row.id}")
    await session.commit()
    return await get(session, user_id)


# -- the signed-in user's own account --------------------------------------------------

def own_id(caller: Caller) -> uuid.UUID:
    if caller.actor_kind != "user":
        raise Forbidden("only a user signed in with a password has an account here",
                        code="not_a_user")
    try:
        return uuid.UUID(caller.actor_id)
    except ValueError as exc:
        raise Forbidden("this token does not name a user", code="not_a_user") from exc


async def change_own_password(session: AsyncSession, caller: Caller, lockout: LockoutStore,
                              current: str, new: str, params: HashParameters) -> None:
    """With the current password (a stolen session alone cannot take the
    account over); failures count towards the lockout. Every session ends."""
    row = await _locked(session, own_id(caller))
    locked_for = await lockout.locked_for(row.username)
    if locked_for:
        raise AccountLocked(locked_for)
    if not await asyncio.to_thread(verify_password, row.password_hash, current, params):
        failure = await lockout.failed(row.username)
        await audit.record(session, caller, "password.changed", resource=f"user:{row.id}",
                           outcome="failed", status_code=422,
                           detail={"reason": "wrong_current_password",
                                   "consecutive_failures": failure.consecutive})
        if failure.locked_for:
            await audit.record(session, caller, "account.locked", resource=f"user:{row.id}",
                               outcome="denied", status_code=423,
                               detail={"seconds": failure.locked_for})
        await session.commit()
        if failure.locked_for:
            raise AccountLocked(failure.locked_for)
        raise InvalidInput("the current password is wrong", code="wrong_password", errors=[
            {"field": "current_password", "in": "body", "type": "wrong_password",
             "message": "does not match"}])
    broken = check_password(new, row.username)
    if new == current:
        broken.append(PolicyViolation("same_as_current", "must differ from the current one"))
    if broken:
        raise weak_password(broken, "new_password")
    row.password_hash = await asyncio.to_thread(hash_password, new, params)
    row.must_change_password = False
    row.password_changed_at = row.updated_at = datetime.now(UTC)
    session.add(row)
    await revoke_all(session, row.id)
    await audit.record(session, caller, "password.changed", resource=f"user:{row.id}",
                       status_code=204, detail={"temporary": False})
    await session.commit()
    await lockout.succeeded(row.username)


async def enrol_mfa(session: AsyncSession, caller: Caller, issuer: str) -> tuple[str, str]:
    """A new TOTP secret (pending until confirmed with a code): the secret
    and its otpauth:// URI, shown once."""
    row = await _locked(session, own_id(caller))
    if row.mfa_enabled:
        raise Conflict("MFA is already on; an admin can reset it", code="mfa_already_enabled")
    secret = totp.new_secret()
    row.mfa_pending_secret = secret
    session.add(row)
    await audit.record(session, caller, "mfa.enrolment_started", resource=f"user:{row.id}")
    await session.commit()
    return secret, totp.provisioning_uri(secret, row.username, issuer)


async def confirm_mfa(session: AsyncSession, caller: Caller, code: str) -> None:
    row = await _locked(session, own_id(caller))
    if row.mfa_enabled:
        raise Conflict("MFA is already on", code="mfa_already_enabled")
    if not row.mfa_pending_secret:
        raise Conflict("enrol first: POST /api/v1/identity/me/mfa/enrol",
                       code="mfa_not_enrolling")
    step = totp.matching_step(row.mfa_pending_secret, code)
    if step is None:
        await audit.record(session, caller, "mfa.failed", resource=f"user:{row.id}",
                           outcome="failed", status_code=422, detail={"reason": "confirm"})
        await session.commit()
        raise InvalidInput("the code does not match", code="mfa_invalid", errors=[
            {"field": "code", "in": "body", "type": "mfa_invalid",
             "message": "not the current code of the enrolled secret"}])
    row.mfa_secret, row.mfa_pending_secret = row.mfa_pending_secret, None
    row.mfa_enabled = True
    row.mfa_last_step = step
    row.updated_at = datetime.now(UTC)
    session.add(row)
    await audit.record(session, caller, "mfa.enrolled", resource=f"user:{row.id}")
    await session.commit()
