"""Role permissions: validated against the catalogue, unioned, never handed
on beyond what the giver holds."""

from __future__ import annotations

from jxc.identity.domain.roles import (
    BUILTIN_ROLES,
    ROLE_NAME,
    effective_permissions,
    normalise,
    not_granted,
    unknown_permissions,
)


def test_catalogue_permissions_and_wildcards_are_known() -> None:
    assert unknown_permissions(["inventory:read", "inventory:*", "*", "sales:confirm"]) == []


def test_unknown_permissions_are_named() -> None:
    assert unknown_permissions(["inventory:fly", "nosuch:read", "inventory", "",
                                "inventory:read"]) == ["", "inventory", "inventory:fly",
                                                       "nosuch:read"]


def test_builtin_roles_use_only_catalogue_permissions() -> None:
    assert set(BUILTIN_ROLES) == {"admin", "warehouse_clerk", "buyer", "sales_rep",
                                  "accountant", "manager", "auditor"}
    for name, (_, permissions) in BUILTIN_ROLES.items():
        assert ROLE_NAME.match(name)
        assert unknown_permissions(permissions) == [], name
    assert BUILTIN_ROLES["admin"][1] == ["*"]
    assert "identity:audit" in BUILTIN_ROLES["auditor"][1]


def test_normalise_drops_what_a_wildcard_covers() -> None:
    assert normalise(["inventory:read", "inventory:*", "sales:read", "sales:read"]) == [
        "inventory:*", "sales:read"]
    assert normalise(["inventory:read", "*"]) == ["*"]


def test_effective_permissions_are_the_union_of_roles() -> None:
    assert effective_permissions([["inventory:read", "sales:read"],
                                  ["sales:read", "sales:write"], []]) == [
        "inventory:read", "sales:read", "sales:write"]
    assert effective_permissions([]) == []


def test_nobody_hands_on_more_than_they_hold() -> None:
    held = ["inventory:*", "sales:read"]
    assert not_granted(held, ["inventory:adjust", "inventory:*", "sales:read"]) == []
    assert not_granted(held, ["sales:write", "*", "finance:*"]) == ["*", "finance:*",
                                                                   "sales:write"]
    assert not_granted(["*"], ["*", "finance:close"]) == []
