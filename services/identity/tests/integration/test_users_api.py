"""Users through the API: create, temporary passwords, own password change,
roles, PATCH with If-Match, disable, reset, sessions; UserUpserted in the
outbox; permissions (403) and privilege escalation refused."""

from __future__ import annotations

from jxc.platform.testing import unique

from .conftest import PASSWORD, Identity, bearer, claims_of

USERS = "/api/v1/identity/users"


async def outbox_types(identity: Identity, aggregate: str) -> list[str]:
    rows = await identity.sql("SELECT type FROM outbox WHERE key = :k ORDER BY id", k=aggregate)
    return [r.type for r in rows]


async def test_a_new_user_changes_the_temporary_password_then_works(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    weak = await client.post(USERS, headers=admin, json={
        "username": "li.lei", "display_name": "李雷", "password": "li.lei"})
    assert weak.status_code == 422
    body = weak.json()
    assert weak.headers["content-type"] == "application/problem+json"
    assert body["code"] == "weak_password"
    assert body["rules"] == ["too_short", "same_as_username"]
    assert {e["type"] for e in body["errors"]} == {"password_too_short",
                                                    "password_same_as_username"}

    created = await client.post(USERS, headers=admin, json={
        "username": "li.lei", "display_name": "李雷", "password": "Temporary-2026",
        "roles": ["buyer", "warehouse_clerk"]})
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["must_change_password"] is True
    assert user["roles"] == ["buyer", "warehouse_clerk"]
    assert "procurement:approve" not in user["permissions"]
    assert {"procurement:write", "inventory:post"} <= set(user["permissions"])
    assert created.headers["etag"] == 'W/"1"'
    assert created.headers["location"] == f"{USERS}/{user['id']}"
    assert await outbox_types(identity, user["id"]) == ["jxc.identity.UserUpserted.v1"]

    duplicate = await client.post(USERS, headers=admin, json={
        "username": "li.lei", "display_name": "x", "password": "Temporary-2026"})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate"

    # the temporary password only lets them change it
    first = await identity.login("li.lei", "Temporary-2026")
    assert first["password_change_required"] is True
    assert "refresh_token" not in first
    assert claims_of(first["access_token"])["perms"] == []
    restricted = bearer(first["access_token"])
    assert (await client.get(USERS, headers=restricted)).status_code == 403
    me = await client.get("/api/v1/identity/me", headers=restricted)
    assert me.status_code == 200 and me.json()["must_change_password"] is True

    wrong = await client.post("/api/v1/identity/me/password", headers=restricted, json={
        "current_password": "nope", "new_password": "Brand-new-2026"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_password"
    same = await client.post("/api/v1/identity/me/password", headers=restricted, json={
        "current_password": "Temporary-2026", "new_password": "Temporary-2026"})
    assert same.status_code == 422 and same.json()["rules"] == ["same_as_current"]
    common = await client.post("/api/v1/identity/me/password", headers=restricted, json={
        "current_password": "Temporary-2026", "new_password": "password123"})
    assert common.json()["rules"] == ["too_common"]
    changed = await client.post("/api/v1/identity/me/password", headers=restricted, json={
        "current_password": "Temporary-2026", "new_password": "Brand-new-2026"})
    assert changed.status_code == 204, changed.text

    await identity.login("li.lei", "Temporary-2026", expect=401)
    tokens = await identity.login("li.lei", "Brand-new-2026")
    assert tokens["password_change_required"] is False and tokens["refresh_token"]
    claims = claims_of(tokens["access_token"])
    assert claims["sub"] == user["id"] and claims["kind"] == "user"
    assert claims["amr"] == ["pwd"]
    assert "procurement:write" in claims["perms"] and "branches" not in claims


async def test_patch_roles_scope_and_concurrency(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    user = await identity.user(roles=["sales_rep"])
    url = f"{USERS}/{user['id']}"
    branch = await identity.branch()
    changed = await client.patch(url, headers={**admin, "If-Match": 'W/"1"'}, json={
        "display_name": "韩梅梅 <b>", "roles": ["accountant"], "branches": [branch]})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["display_name"] == "韩梅梅 <b>" and body["roles"] == ["accountant"]
    assert body["branches"] == [branch] and body["warehouses"] is None
    assert body["version"] == 2 and changed.headers["etag"] == 'W/"2"'

    stale = await client.patch(url, headers={**admin, "If-Match": 'W/"1"'},
                               json={"display_name": "lost"})
    assert stale.status_code == 412
    unknown_role = await client.patch(url, headers=admin, json={"roles": ["wizard"]})
    assert unknown_role.status_code == 422 and unknown_role.json()["code"] == "unknown_role"
    unknown_branch = await client.patch(url, headers=admin, json={
        "branches": ["00000000-0000-0000-0000-000000000000"]})
    assert unknown_branch.status_code == 422
    assert unknown_branch.json()["code"] == "unknown_branch"
    lifted = await client.patch(url, headers=admin, json={"branches": None})
    assert lifted.json()["branches"] is None and lifted.json()["version"] == 3
    assert (await client.get(f"{USERS}/00000000-0000-0000-0000-000000000000",
                             headers=admin)).status_code == 404
    assert await outbox_types(identity, user["id"]) == ["jxc.identity.UserUpserted.v1"] * 3


async def test_list_users_paged_and_filtered(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    prefix = unique("pg")
    for i in range(3):
        await identity.user(f"{prefix}.{i}", roles=["auditor"] if i == 1 else [])
    first = await client.get(USERS, headers=admin, params={"limit": 2, "q": prefix})
    assert first.status_code == 200
    page = first.json()
    assert [u["username"] for u in page["items"]] == [f"{prefix}.0", f"{prefix}.1"]
    rest = await client.get(USERS, headers=admin, params={
        "limit": 2, "q": prefix, "cursor": page["next_cursor"]})
    assert [u["username"] for u in rest.json()["items"]] == [f"{prefix}.2"]
    assert rest.json()["next_cursor"] is None
    auditors = await client.get(USERS, headers=admin, params={"role": "auditor", "q": prefix})
    assert [u["username"] for u in auditors.json()["items"]] == [f"{prefix}.1"]


async def test_disable_reset_and_revoke_sessions(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    user = await identity.user(roles=["buyer"])
    name, url = user["username"], f"{USERS}/{user['id']}"

    tokens = await identity.login(name, PASSWORD)
    revoked = await client.post(f"{url}/revoke-sessions", headers=admin)
    assert revoked.status_code == 200 and revoked.json() == {"revoked": 1}
    refresh = await client.post("/api/v1/identity/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401

    reset = await client.post(f"{url}/reset-password", headers=admin,
                              json={"password": "Given-by-admin-1"})
    assert reset.status_code == 200 and reset.json()["must_change_password"] is True
    await identity.login(name, PASSWORD, expect=401)
    assert (await identity.login(name, "Given-by-admin-1"))["password_change_required"]
    weak_reset = await client.post(f"{url}/reset-password", headers=admin,
                                   json={"password": "short"})
    assert weak_reset.status_code == 422 and weak_reset.json()["rules"] == ["too_short"]

    tokens = await identity.login(name, "Given-by-admin-1")
    disabled = await client.post(f"{url}/disable", headers=admin)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    await identity.login(name, "Given-by-admin-1", expect=401)
    assert (await client.get("/api/v1/identity/me",
                             headers=bearer(tokens["access_token"]))).status_code == 401
    assert await outbox_types(identity, user["id"]) == ["jxc.identity.UserUpserted.v1"] * 3


async def test_permissions_are_required_and_never_escalated(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    reader = await identity.user(roles=["auditor"])
    as_reader = await identity.headers_for(reader["username"])
    assert (await client.get(USERS, headers=as_reader)).status_code == 200
    denied = await client.post(USERS, headers=as_reader, json={
        "username": unique("u"), "display_name": "x", "password": PASSWORD})
    assert denied.status_code == 403
    assert denied.json()["code"] == "forbidden"
    assert denied.json()["missing"] == ["identity:manage"]

    # a user manager who is not an admin cannot make an admin, nor touch one
    role = await client.post("/api/v1/identity/roles", headers=admin, json={
        "name": unique("hr").replace("_", "-"), "permissions": ["identity:read",
                                                                 "identity:manage"]})
    assert role.status_code == 201, role.text
    hr = await identity.user(roles=[role.json()["name"]])
    as_hr = await identity.headers_for(hr["username"])
    escalate = await client.post(USERS, headers=as_hr, json={
        "username": unique("u"), "display_name": "x", "password": PASSWORD,
        "roles": ["admin"]})
    assert escalate.status_code == 403 and escalate.json()["code"] == "cannot_grant"
    self_promote = await client.patch(f"{USERS}/{hr['id']}", headers=as_hr,
                                      json={"roles": ["admin"]})
    assert self_promote.status_code == 403
    admin_id = (await client.get("/api/v1/identity/me", headers=admin)).json()["id"]
    touch_admin = await client.post(f"{USERS}/{admin_id}/reset-password", headers=as_hr,
                                    json={"password": "Hijacked-admin-1"})
    assert touch_admin.status_code == 403 and touch_admin.json()["code"] == "more_privileged"
    plain = await client.post(USERS, headers=as_hr, json={
        "username": unique("u"), "display_name": "x", "password": PASSWORD})
    assert plain.status_code == 201
    assert (await client.get(USERS, headers={"Authorization": "Bearer nonsense"})
            ).status_code == 401
