"""Dependencies identity's routers share: settings, the lockout store and
the :class:`Caller` (who, from where) every audited use case takes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from opentelemetry import trace

from jxc.identity.adapters.lockout_store import LockoutStore
from jxc.identity.service_layer.context import Caller
from jxc.identity.settings import IdentitySettings
from jxc.platform.api import RuntimeDep
from jxc.platform.auth import CurrentPrincipal, Principal, require


def get_settings(runtime: RuntimeDep) -> IdentitySettings:
    settings = runtime.settings
    assert isinstance(settings, IdentitySettings)
    return settings


SettingsDep = Annotated[IdentitySettings, Depends(get_settings)]


def get_lockout(settings: SettingsDep) -> LockoutStore:
    return LockoutStore(settings.redis_url, settings.lockout(), settings.lockout_key_prefix)


LockoutDep = Annotated[LockoutStore, Depends(get_lockout)]


def client_ip(request: Request) -> str:
    """The address the gateway saw (it appends it to ``X-Forwarded-For``,
    so the last entry is the one it vouches for), else the peer's."""
    forwarded = request.headers.getlist("x-forwarded-for")
    if forwarded:
        last = forwarded[-1].split(",")[-1].strip()
        if last:
            return last[:100]
    return request.client.host if request.client else ""


def anonymous(request: Request) -> Caller:
    context = trace.get_current_span().get_span_context()
    return Caller(
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", "")[:500],
        request_id=request.headers.get("x-request-id", "")[:200],
        trace_id=format(context.trace_id, "032x") if context.is_valid else "")


AnonymousCaller = Annotated[Caller, Depends(anonymous)]


async def signed_in(request: Request, principal: CurrentPrincipal) -> Caller:
    return anonymous(request).as_principal(principal)


SignedIn = Annotated[Caller, Depends(signed_in)]


def acting(*permissions: str) -> Any:
    """Dependency: the caller, who must hold every one of ``permissions``."""
    async def caller(request: Request, principal: Principal = require(*permissions)) -> Caller:
        return anonymous(request).as_principal(principal)
    return Depends(caller)


Reader = Annotated[Caller, acting("identity:read")]
Manager = Annotated[Caller, acting("identity:manage")]
Auditor = Annotated[Caller, acting("identity:audit")]
