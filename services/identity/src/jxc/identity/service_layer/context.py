"""Who is asking and from where: what every audited use case needs."""

from __future__ import annotations

from dataclasses import dataclass, replace

from jxc.platform.auth import Principal


@dataclass(frozen=True)
class Caller:
    actor_id: str = ""
    actor_name: str = ""
    actor_kind: str = "user"
    ip: str = ""
    user_agent: str = ""
    request_id: str = ""
    trace_id: str = ""
    permissions: frozenset[str] = frozenset()
    branches: frozenset[str] | None = None
    warehouses: frozenset[str] | None = None

    def as_principal(self, principal: Principal) -> Caller:
        return replace(self, actor_id=principal.subject, actor_name=principal.username,
                       actor_kind=principal.kind, permissions=principal.permissions,
                       branches=principal.branches, warehouses=principal.warehouses)

    def as_actor(self, actor_id: str, actor_name: str, actor_kind: str = "user") -> Caller:
        return replace(self, actor_id=actor_id, actor_name=actor_name, actor_kind=actor_kind)
