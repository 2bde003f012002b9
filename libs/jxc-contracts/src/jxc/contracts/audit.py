"""The audit trail's published language: one record per mutating request or
security event, from whichever service saw it, kept by identity."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from jxc.contracts import topics
from jxc.contracts.base import Event


class AuditRecorded(Event):
    """Who did what to which resource, when, from where, and how it ended.

    ``action`` is ``<METHOD> <route>`` for HTTP mutations (``POST
    /api/v1/inventory/moves``) or a security event name (``login.succeeded``,
    ``login.failed``, ``account.locked``, ``mfa.enrolled``, ``role.changed``,
    ``api_key.used``…)."""

    service: ClassVar[str] = "audit"
    topic: ClassVar[str] = topics.AUDIT_EVENTS
    key: ClassVar[str] = "source_service"

    record_id: uuid.UUID
    source_service: str
    occurred_at: datetime
    actor_id: str = ""
    """The principal's subject; empty when anonymous."""
    actor_name: str = ""
    actor_kind: str = "user"
    """``user``, ``api_key`` or ``system``."""
    action: str = Field(min_length=1, max_length=200)
    resource: str = ""
    """What was acted on, e.g. ``/api/v1/inventory/moves/…`` or ``user:<id>``."""
    outcome: str = "success"
    """``success``, ``denied``, ``failed`` or ``error``."""
    status_code: int | None = None
    ip: str = ""
    user_agent: str = ""
    request_id: str = ""
    trace_id: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)
    """Before/after or other cheap context; never secrets."""
