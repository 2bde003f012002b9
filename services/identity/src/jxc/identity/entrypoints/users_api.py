"""Users: accounts, roles, data scope, temporary passwords, sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from jxc.identity.domain.passwords import MAX_LENGTH
from jxc.identity.entrypoints.deps import LockoutDep, Manager, Reader, SettingsDep
from jxc.identity.entrypoints.inputs import Clean, Input
from jxc.identity.service_layer import users
from jxc.identity.service_layer.users import UserView
from jxc.platform.api import CursorQuery, IfMatchHeader, LimitQuery, Page, SessionDep, etag

router = APIRouter(prefix="/api/v1/identity", tags=["identity: users"])

Username = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\w[\w.@\-]*$",
                                description="letters, digits, '.', '@', '-' and '_'")]
DisplayName = Annotated[str, Field(min_length=1, max_length=200)]
RoleName = Annotated[str, Field(min_length=1, max_length=64)]
Password = Annotated[str, Field(min_length=1, max_length=MAX_LENGTH * 5)]
"""Long inputs reach the policy, which names the rule they break."""


class UserIn(Input):
    username: Username
    display_name: DisplayName
    password: Password
    roles: list[RoleName] = Field(default_factory=list, max_length=50)
    branches: list[uuid.UUID] | None = Field(default=None, max_length=1000,
                                              description="null: every branch")
    warehouses: list[uuid.UUID] | None = Field(default=None, max_length=1000,
                                                description="null: no limit beyond branches")
    active: bool = True
    must_change_password: bool = Field(
        default=True, description="the password is temporary: change it at the first login")


class UserPatch(Input):
    """Fields to change; ``null`` for ``branches`` or ``warehouses`` lifts that limit."""

    display_name: DisplayName | None = None
    roles: list[RoleName] | None = Field(default=None, max_length=50)
    branches: list[uuid.UUID] | None = Field(default=None, max_length=1000)
    warehouses: list[uuid.UUID] | None = Field(default=None, max_length=1000)
    active: bool | None = None


class PasswordReset(Input):
    password: Password


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]
    branches: list[uuid.UUID] | None
    warehouses: list[uuid.UUID] | None
    active: bool
    must_change_password: bool
    mfa_enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: UserView) -> UserOut:
        row = view.row
        return cls(id=row.id, username=row.username, display_name=row.display_name,
                   roles=view.roles, permissions=view.permissions,
                   branches=row.branches, warehouses=row.warehouses,  # type: ignore[arg-type]
                   active=row.active, must_change_password=row.must_change_password,
                   mfa_enabled=row.mfa_enabled, version=row.version,
                   created_at=row.created_at, updated_at=row.updated_at)


class Revoked(BaseModel):
    revoked: int


def _render(view: UserView, response: Response) -> UserOut:
    response.headers["ETag"] = etag(view.row.version)
    return UserOut.of(view)


@router.post("/users", status_code=status.HTTP_201_CREATED, summary="Create a user")
async def create_user(body: UserIn, caller: Manager, session: SessionDep, settings: SettingsDep,
                      response: Response) -> UserOut:
    view = await users.create(session, caller, body.model_dump(), settings.hash_parameters())
    response.headers["Location"] = f"/api/v1/identity/users/{view.row.id}"
    return _render(view, response)


@router.get("/users", summary="Users, by username")
async def list_users(
    caller: Reader, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None,
    active: bool | None = None,
    role: Annotated[str | None, Query(max_length=64), Clean] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of username or name"),
                Clean]
    = None,
) -> Page[UserOut]:
    views, next_cursor = await users.page(session, limit, cursor, active=active, role=role, q=q)
    return Page[UserOut](items=[UserOut.of(v) for v in views], next_cursor=next_cursor)


@router.get("/users/{user_id}", summary="One user")
async def get_user(user_id: uuid.UUID, caller: Reader, session: SessionDep,
                   response: Response) -> UserOut:
    return _render(await users.get(session, user_id), response)


@router.patch("/users/{user_id}", summary="Change a user's name, roles, data scope or status")
async def update_user(user_id: uuid.UUID, body: UserPatch, caller: Manager,
                      session: SessionDep, response: Response,
                      if_match: IfMatchHeader = None) -> UserOut:
    changes = body.model_dump(exclude_unset=True)
    return _render(await users.update(session, caller, user_id, changes, if_match), response)


@router.post("/users/{user_id}/disable", summary="Disable a user and end their sessions")
async def disable_user(user_id: uuid.UUID, caller: Manager, session: SessionDep,
                       response: Response) -> UserOut:
    return _render(await users.disable(session, caller, user_id), response)


@router.post("/users/{user_id}/reset-password",
             summary="Set a temporary password the user must change at the next login")
async def reset_password(user_id: uuid.UUID, body: PasswordReset, caller: Manager,
                         session: SessionDep, settings: SettingsDep, lockout: LockoutDep,
                         response: Response) -> UserOut:
    view = await users.reset_password(session, caller, lockout, user_id, body.password,
                                      settings.hash_parameters())
    return _render(view, response)


@router.post("/users/{user_id}/revoke-sessions",
             summary="End every session of a user (their refresh tokens)")
async def revoke_sessions(user_id: uuid.UUID, caller: Manager, session: SessionDep) -> Revoked:
    return Revoked(revoked=await users.revoke_sessions(session, caller, user_id))


@router.post("/users/{user_id}/reset-mfa", summary="Turn a user's MFA off (lost device)")
async def reset_mfa(user_id: uuid.UUID, caller: Manager, session: SessionDep,
                    response: Response) -> UserOut:
    return _render(await users.reset_mfa(session, caller, user_id), response)
