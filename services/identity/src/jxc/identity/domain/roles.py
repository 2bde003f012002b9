"""Roles bundle ``module:action`` permissions from the contracts catalogue;
a user's effective permissions are the union of their roles'."""

from __future__ import annotations

import re
from collections.abc import Iterable

from jxc.contracts.permissions import SUPERUSER, grants, is_known

ROLE_NAME = re.compile(r"^[a-z][a-z0-9_.\-]{0,63}$")
MAX_PERMISSIONS = 200

BUILTIN_ROLES: dict[str, tuple[str, list[str]]] = {
    "admin": ("Everything, including users, roles and keys", [SUPERUSER]),
    "warehouse_clerk": ("Receives, issues, counts and moves stock", [
        "inventory:read", "inventory:post", "inventory:adjust", "inventory:transfer",
        "procurement:read", "procurement:receive", "sales:read", "sales:ship"]),
    "buyer": ("Buys from suppliers", [
        "procurement:read", "procurement:requisition", "procurement:write",
        "procurement:submit", "procurement:receive", "procurement:return", "supplier:read",
        "supplier:write", "inventory:read", "reporting:read"]),
    "sales_rep": ("Sells to customers", [
        "sales:read", "sales:write", "sales:confirm", "sales:cancel", "sales:return",
        "crm:read", "crm:write", "inventory:read", "reporting:read"]),
    "accountant": ("Keeps the books", [
        "finance:read", "finance:post", "finance:invoice", "finance:pay", "finance:close",
        "sales:read", "procurement:read", "crm:read", "supplier:read", "reporting:read",
        "reporting:export"]),
    "manager": ("Approves, sets credit and prices, sees everything of the business", [
        "inventory:read", "inventory:export", "procurement:read", "procurement:approve",
        "procurement:approve_high", "procurement:manage", "sales:read", "sales:price_override",
        "finance:read", "finance:credit", "crm:read", "supplier:read", "reporting:read",
        "reporting:export", "identity:read"]),
    "auditor": ("Reads everything and the audit trail; changes nothing", [
        "identity:read", "identity:audit", "inventory:read", "procurement:read", "sales:read",
        "finance:read", "crm:read", "supplier:read", "reporting:read"]),
}
"""name → (description, permissions). Created by migration 0003 (procurement's
newer permissions added by 0006); admins may edit them but not delete them."""


def unknown_permissions(permissions: Iterable[str]) -> list[str]:
    """Those not in the catalogue (``*`` and ``module:*`` are known)."""
    return sorted({p for p in permissions if not is_known(p)})


def normalise(permissions: Iterable[str]) -> list[str]:
    """Sorted, without duplicates, and without what a wildcard already grants."""
    unique = set(permissions)
    if SUPERUSER in unique:
        return [SUPERUSER]
    kept = {p for p in unique
            if p.endswith(":*") or f"{p.partition(':')[0]}:*" not in unique}
    return sorted(kept)


def effective_permissions(role_permissions: Iterable[Iterable[str]]) -> list[str]:
    """The union of every role's permissions."""
    return normalise(p for permissions in role_permissions for p in permissions)


def not_granted(held: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """Which of ``wanted`` the holder of ``held`` cannot hand on (an API key
    gets at most its creator's permissions)."""
    held = list(held)
    return sorted({p for p in wanted if not grants(held, p)})
