"""Branches (the tree, no cycles, BranchUpserted) and roles (catalogue
permissions, wildcards, built-ins, refused deletes)."""

from __future__ import annotations

from jxc.platform.testing import unique

from .conftest import Identity

BRANCHES = "/api/v1/identity/branches"
ROLES = "/api/v1/identity/roles"


async def test_branch_tree(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    east = await identity.branch("EAST", name="华东区")
    shanghai = await identity.branch("SH-01", name="上海门店", parent_id=east)
    one = await client.get(f"{BRANCHES}/{shanghai}", headers=admin)
    assert one.status_code == 200 and one.json()["parent_id"] == east
    assert one.json()["name"] == "上海门店" and one.headers["etag"] == 'W/"1"'

    children = await client.get(BRANCHES, headers=admin, params={"parent_id": east})
    assert [b["code"] for b in children.json()["items"]] == ["SH-01"]
    duplicate = await client.post(BRANCHES, headers=admin, json={"code": "EAST", "name": "x"})
    assert duplicate.status_code == 409
    orphan = await client.post(BRANCHES, headers=admin, json={
        "code": "X1", "name": "x", "parent_id": "00000000-0000-0000-0000-000000000000"})
    assert orphan.status_code == 422 and orphan.json()["code"] == "unknown_branch"

    cycle = await client.patch(f"{BRANCHES}/{east}", headers=admin, json={"parent_id": shanghai})
    assert cycle.status_code == 409 and cycle.json()["code"] == "branch_cycle"
    itself = await client.patch(f"{BRANCHES}/{east}", headers=admin, json={"parent_id": east})
    assert itself.status_code == 409
    moved = await client.patch(f"{BRANCHES}/{shanghai}", headers={**admin, "If-Match": 'W/"1"'},
                               json={"parent_id": None, "name": "上海旗舰店"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["parent_id"] is None and moved.json()["version"] == 2
    stale = await client.patch(f"{BRANCHES}/{shanghai}", headers={**admin, "If-Match": 'W/"1"'},
                               json={"active": False})
    assert stale.status_code == 412

    events = await identity.sql("SELECT type, payload FROM outbox WHERE key = :k ORDER BY id",
                                k=shanghai)
    assert [e.type for e in events] == ["jxc.identity.BranchUpserted.v1"] * 2
    assert events[-1].payload["name"] == "上海旗舰店" and events[-1].payload["version"] == 2


async def test_roles(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    listing = await client.get(ROLES, headers=admin, params={"limit": 100})
    builtin = {r["name"]: r for r in listing.json()["items"] if r["builtin"]}
    assert set(builtin) == {"admin", "warehouse_clerk", "buyer", "sales_rep", "accountant",
                            "manager", "auditor"}
    assert builtin["admin"]["permissions"] == ["*"]

    unknown = await client.post(ROLES, headers=admin, json={
        "name": "picker", "permissions": ["inventory:read", "inventory:teleport", "nosuch:*"]})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_permission"
    assert len(unknown.json()["errors"]) == 2
    bad_name = await client.post(ROLES, headers=admin, json={
        "name": "Robert'); DROP TABLE role;--", "permissions": []})
    assert bad_name.status_code == 422

    name = unique("picker").replace("_", "-")
    created = await client.post(ROLES, headers=admin, json={
        "name": name, "description": "拣货员", "permissions": [
            "inventory:read", "inventory:*", "reporting:read"]})
    assert created.status_code == 201, created.text
    role = created.json()
    assert role["permissions"] == ["inventory:*", "reporting:read"] and not role["builtin"]

    changed = await client.patch(f"{ROLES}/{role['id']}", headers={**admin, "If-Match": 'W/"1"'},
                                 json={"permissions": ["inventory:read"]})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    user = await identity.user(roles=[name])
    assert user["permissions"] == ["inventory:read"]

    in_use = await client.delete(f"{ROLES}/{role['id']}", headers=admin)
    assert in_use.status_code == 409 and in_use.json()["code"] == "role_in_use"
    await client.patch(f"/api/v1/identity/users/{user['id']}", headers=admin,
                       json={"roles": []})
    deleted = await client.delete(f"{ROLES}/{role['id']}", headers=admin)
    assert deleted.status_code == 204
    assert (await client.get(f"{ROLES}/{role['id']}", headers=admin)).status_code == 404
    keep = await client.delete(f"{ROLES}/{builtin['auditor']['id']}", headers=admin)
    assert keep.status_code == 409 and keep.json()["code"] == "builtin_role"

    # built-in roles are editable by admins
    edited = await client.patch(f"{ROLES}/{builtin['buyer']['id']}", headers=admin, json={
        "permissions": [*builtin["buyer"]["permissions"], "procurement:approve"]})
    assert edited.status_code == 200 and "procurement:approve" in edited.json()["permissions"]


async def test_the_last_administrator_cannot_be_removed(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    me = (await client.get("/api/v1/identity/me", headers=admin)).json()
    roles = {r["name"]: r for r in (await client.get(ROLES, headers=admin)).json()["items"]}
    demote = await client.patch(f"/api/v1/identity/users/{me['id']}", headers=admin,
                                json={"roles": ["auditor"]})
    assert demote.status_code == 409 and demote.json()["code"] == "last_admin"
    disable = await client.post(f"/api/v1/identity/users/{me['id']}/disable", headers=admin)
    assert disable.status_code == 409
    weaken = await client.patch(f"{ROLES}/{roles['admin']['id']}", headers=admin,
                                json={"permissions": ["identity:*"]})
    assert weaken.status_code == 409 and weaken.json()["code"] == "last_admin"
    assert (await client.get("/api/v1/identity/me", headers=admin)).json()["roles"] == ["admin"]

    second = await identity.user(roles=["admin"])
    demoted = await client.patch(f"/api/v1/identity/users/{me['id']}", headers=admin,
                                 json={"roles": ["auditor"]})
    assert demoted.status_code == 200
    as_second = await identity.headers_for(second["username"])
    last = await client.post(f"/api/v1/identity/users/{second['id']}/disable",
                             headers=as_second)
    assert last.status_code == 409
