"""identity's published language: the organisation (branches) and users,
for services that show names or check a data scope."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from jxc.contracts import topics
from jxc.contracts.base import Event


class IdentityEvent(Event):
    service: ClassVar[str] = "identity"
    topic: ClassVar[str] = topics.IDENTITY_EVENTS
    abstract: ClassVar[bool] = True


class BranchUpserted(IdentityEvent):
    """A branch (分公司/门店) of the organisation tree was created or changed."""

    key: ClassVar[str] = "branch_id"
    branch_id: uuid.UUID
    code: str
    name: str
    parent_id: uuid.UUID | None = None
    active: bool = True
    version: int = Field(ge=1)


class UserUpserted(IdentityEvent):
    """A user was created or changed (disabled users have ``active`` false)."""

    key: ClassVar[str] = "user_id"
    user_id: uuid.UUID
    username: str
    display_name: str
    roles: tuple[str, ...] = ()
    branches: tuple[uuid.UUID, ...] | None = None
    """None: every branch."""
    warehouses: tuple[uuid.UUID, ...] | None = None
    active: bool = True
    version: int = Field(ge=1)
