"""The organisation tree (branches) and roles."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from jxc.identity.adapters.tables import BranchRow, RoleRow
from jxc.identity.domain.roles import MAX_PERMISSIONS, ROLE_NAME
from jxc.identity.entrypoints.deps import Manager, Reader
from jxc.identity.entrypoints.inputs import Input
from jxc.identity.service_layer import branches, roles
from jxc.platform.api import (
    Code,
    CursorQuery,
    IfMatchHeader,
    LimitQuery,
    Page,
    SessionDep,
    etag,
)
from jxc.platform.errors import NotFound

router = APIRouter(prefix="/api/v1/identity", tags=["identity: organisation"])

Name = Annotated[str, Field(min_length=1, max_length=200)]
Permission = Annotated[str, Field(min_length=1, max_length=100,
                                  description="module:action, module:* or *")]


# -- branches -----------------------------------------------------------------------

class BranchIn(Input):
    code: Code
    name: Name
    parent_id: uuid.UUID | None = None
    active: bool = True


class BranchPatch(Input):
    """Fields to change; ``parent_id: null`` makes the branch a root."""

    code: Code | None = None
    name: Name | None = None
    parent_id: uuid.UUID | None = None
    active: bool | None = None


class BranchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name: str
    parent_id: uuid.UUID | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


def _branch(row: BranchRow, response: Response) -> BranchOut:
    response.headers["ETag"] = etag(row.version)
    return BranchOut.model_validate(row)


@router.post("/branches", status_code=status.HTTP_201_CREATED, summary="Create a branch")
async def create_branch(body: BranchIn, caller: Manager, session: SessionDep,
                        response: Response) -> BranchOut:
    row = await branches.create(session, caller, body.model_dump())
    response.headers["Location"] = f"/api/v1/identity/branches/{row.id}"
    return _branch(row, response)


@router.get("/branches", summary="Branches the caller sees, by code")
async def list_branches(caller: Reader, session: SessionDep, limit: LimitQuery = 50,
                        cursor: CursorQuery = None,
                        parent_id: uuid.UUID | None = None) -> Page[BranchOut]:
    visible = None
    if caller.branches is not None:
        visible = BranchRow.id.in_([uuid.UUID(b) for b in caller.branches])  # type: ignore[attr-defined]
    rows, next_cursor = await branches.page(session, limit, cursor, parent_id=parent_id,
                                            visible=visible)
    return Page[BranchOut](items=[BranchOut.model_validate(r) for r in rows],
                           next_cursor=next_cursor)


@router.get("/branches/{branch_id}", summary="One branch")
async def get_branch(branch_id: uuid.UUID, caller: Reader, session: SessionDep,
                     response: Response) -> BranchOut:
    if caller.branches is not None and str(branch_id) not in caller.branches:
        raise NotFound(f"no branch {branch_id}")
    return _branch(await branches.get(session, branch_id), response)


@router.patch("/branches/{branch_id}", summary="Rename, move or (de)activate a branch")
async def update_branch(branch_id: uuid.UUID, body: BranchPatch, caller: Manager,
                        session: SessionDep, response: Response,
                        if_match: IfMatchHeader = None) -> BranchOut:
    row = await branches.update(session, caller, branch_id, body.model_dump(exclude_unset=True),
                                if_match)
    return _branch(row, response)


# -- roles --------------------------------------------------------------------------

class RoleIn(Input):
    name: str = Field(pattern=ROLE_NAME.pattern, max_length=64,
                      description="lower case: letters, digits, '_', '.', '-'")
    description: str = Field(default="", max_length=500)
    permissions: list[Permission] = Field(max_length=MAX_PERMISSIONS)


class RolePatch(Input):
    description: str | None = Field(default=None, max_length=500)
    permissions: list[Permission] | None = Field(default=None, max_length=MAX_PERMISSIONS)


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    description: str
    permissions: list[str]
    builtin: bool
    version: int
    created_at: datetime
    updated_at: datetime


def _role(row: RoleRow, response: Response) -> RoleOut:
    response.headers["ETag"] = etag(row.version)
    return RoleOut.model_validate(row)


@router.post("/roles", status_code=status.HTTP_201_CREATED, summary="Create a role")
async def create_role(body: RoleIn, caller: Manager, session: SessionDep,
                      response: Response) -> RoleOut:
    row = await roles.create(session, caller, body.model_dump())
    response.headers["Location"] = f"/api/v1/identity/roles/{row.id}"
    return _role(row, response)


@router.get("/roles", summary="Roles, by name")
async def list_roles(caller: Reader, session: SessionDep, limit: LimitQuery = 50,
                     cursor: CursorQuery = None) -> Page[RoleOut]:
    rows, next_cursor = await roles.page(session, limit, cursor)
    return Page[RoleOut](items=[RoleOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/roles/{role_id}", summary="One role")
async def get_role(role_id: uuid.UUID, caller: Reader, session: SessionDep,
                   response: Response) -> RoleOut:
    return _role(await roles.get(session, role_id), response)


@router.patch("/roles/{role_id}", summary="Change a role's description or permissions")
async def update_role(role_id: uuid.UUID, body: RolePatch, caller: Manager, session: SessionDep,
                      response: Response, if_match: IfMatchHeader = None) -> RoleOut:
    row = await roles.update(session, caller, role_id, body.model_dump(exclude_unset=True),
                             if_match)
    return _role(row, response)


@router.delete("/roles/{role_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete a role nobody holds (built-in roles stay)")
async def delete_role(role_id: uuid.UUID, caller: Manager, session: SessionDep,
                      if_match: IfMatchHeader = None) -> Response:
    await roles.delete(session, caller, role_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
