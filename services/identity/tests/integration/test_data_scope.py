"""Data scope in the token: a user of branch A gets A's branches (with
those below) and A's warehouses, from the warehouse directory that
inventory's events feed, and nothing of branch B."""

from __future__ import annotations

from jxc.platform.auth import principal_from_claims
from jxc.platform.testing import eventually

from .conftest import Identity, claims_of, publish, warehouse


async def test_branch_user_gets_their_branches_warehouses_only(identity: Identity) -> None:
    branch_a = await identity.branch(name="A")
    store_a1 = await identity.branch(name="A1", parent_id=branch_a)
    branch_b = await identity.branch(name="B")
    in_a, in_a1, in_b, loose = (warehouse(branch_a), warehouse(store_a1), warehouse(branch_b),
                                warehouse(None))
    await publish(identity.infra.kafka_bootstrap, in_a, in_a1, in_b, loose)

    async def replicated() -> bool:
        rows = await identity.sql("SELECT count(*) AS n FROM warehouse_directory WHERE "
                                  "warehouse_id IN (:a, :b, :c, :d)", a=in_a.warehouse_id,
                                  b=in_a1.warehouse_id, c=in_b.warehouse_id,
                                  d=loose.warehouse_id)
        return bool(rows[0].n == 4)
    await eventually(replicated, timeout=90, what="the warehouses in the directory")

    clerk = await identity.user(roles=["warehouse_clerk"], branches=[branch_a])
    claims = claims_of((await identity.login(clerk["username"], "Tea-garden-2026"))
                       ["access_token"])
    assert sorted(claims["branches"]) == sorted([branch_a, store_a1])
    assert sorted(claims["warehouses"]) == sorted([str(in_a.warehouse_id),
                                                   str(in_a1.warehouse_id)])
    principal = principal_from_claims(claims)
    assert principal.sees_branch(branch_a) and not principal.sees_branch(branch_b)
    assert principal.sees_warehouse(in_a1.warehouse_id)
    assert not principal.sees_warehouse(in_b.warehouse_id)
    assert not principal.sees_warehouse(loose.warehouse_id)

    # explicit warehouses add to the branch's; a user limited by warehouse only
    # keeps every branch
    both = await identity.user(branches=[branch_b], warehouses=[str(loose.warehouse_id)])
    claims = claims_of((await identity.login(both["username"], "Tea-garden-2026"))
                       ["access_token"])
    assert claims["branches"] == [branch_b]
    assert sorted(claims["warehouses"]) == sorted([str(in_b.warehouse_id),
                                                   str(loose.warehouse_id)])
    only = await identity.user(warehouses=[str(in_b.warehouse_id)])
    claims = claims_of((await identity.login(only["username"], "Tea-garden-2026"))
                       ["access_token"])
    assert "branches" not in claims and claims["warehouses"] == [str(in_b.warehouse_id)]
    everything = claims_of((await identity.login("admin", "first-admin-pass"))["access_token"])
    assert "branches" not in everything and "warehouses" not in everything

    # a branch-limited manager sees only their branches and cannot widen anyone's scope
    role = await identity.client.post("/api/v1/identity/roles", headers=identity.admin, json={
        "name": "branch-admin", "permissions": ["identity:read", "identity:manage"]})
    assert role.status_code == 201
    local = await identity.user(roles=["branch-admin"], branches=[branch_a])
    as_local = await identity.headers_for(local["username"])
    seen = await identity.client.get("/api/v1/identity/branches", headers=as_local)
    assert sorted(b["id"] for b in seen.json()["items"]) == sorted([branch_a, store_a1])
    assert (await identity.client.get(f"/api/v1/identity/branches/{branch_b}",
                                      headers=as_local)).status_code == 404
    wider = await identity.client.post("/api/v1/identity/users", headers=as_local, json={
        "username": "wide", "display_name": "x", "password": "Tea-garden-2026",
        "branches": [branch_b]})
    assert wider.status_code == 403 and wider.json()["code"] == "out_of_scope"
    unlimited = await identity.client.post("/api/v1/identity/users", headers=as_local, json={
        "username": "wide", "display_name": "x", "password": "Tea-garden-2026"})
    assert unlimited.status_code == 403
    fine = await identity.client.post("/api/v1/identity/users", headers=as_local, json={
        "username": "narrow", "display_name": "x", "password": "Tea-garden-2026",
        "branches": [store_a1]})
    assert fine.status_code == 201, fine.text
