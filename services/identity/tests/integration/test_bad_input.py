"""Bad input everywhere is a 4xx problem+json, never a 500: injection
strings, unicode, wrong types, huge pages and bodies, forged cursors."""

from __future__ import annotations

from typing import Any

from .conftest import Identity

NASTY = ["'; DROP TABLE app_user; --", "<script>alert(1)</script>", "\x00", "😀" * 300,
         "../../etc/passwd", "%", "_", "\\", " ", "a" * 5000]
ZERO = "00000000-0000-0000-0000-000000000000"


async def test_nothing_the_client_sends_makes_a_500(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    role = (await client.get("/api/v1/identity/roles", headers=admin)).json()["items"][0]["id"]
    paths = {
        "POST /api/v1/identity/users": [{}] + [
            {"username": n, "display_name": n, "password": n} for n in NASTY] + [
            {"username": "ok", "display_name": "x", "password": "Tea-garden-2026",
             "roles": [n]} for n in NASTY[:3]] + [
            {"username": "ok", "display_name": "x", "password": "Tea-garden-2026",
             "branches": ["not-a-uuid"]},
            {"username": "ok", "display_name": "x", "password": "Tea-garden-2026",
             "unknown_field": 1}, [], "string", {"username": 5}],
        f"PATCH /api/v1/identity/users/{ZERO}": [{"display_name": "x"}],
        "PATCH /api/v1/identity/users/not-a-uuid": [{"display_name": "x"}],
        f"POST /api/v1/identity/users/{ZERO}/reset-password": [{"password": "x"}, {}],
        "POST /api/v1/identity/branches": [{"code": n, "name": n} for n in NASTY] + [{}],
        "POST /api/v1/identity/roles": [{"name": n, "permissions": [n]} for n in NASTY] + [
            {"name": "ok-role", "permissions": [n]} for n in NASTY],
        f"PATCH /api/v1/identity/roles/{role}": [{"permissions": [n]} for n in NASTY] + [
            {"name": "renamed"}],
        "POST /api/v1/identity/api-keys": [{"name": n, "permissions": [n]} for n in NASTY] + [
            {"name": "x", "permissions": ["sales:read"], "branches": [n]} for n in NASTY[:3]],
        "POST /api/v1/identity/me/password": [{"current_password": n, "new_password": n}
                                              for n in NASTY],
        "POST /api/v1/identity/me/mfa/confirm": [{"code": n} for n in NASTY],
    }
    for route, bodies in paths.items():
        method, path = route.split(" ", 1)
        for body in bodies:
            response = await client.request(method, path, headers=admin, json=body)
            assert 400 <= response.status_code < 500, (route, body, response.text)
            assert response.headers["content-type"] == "application/problem+json", route

    queries: list[tuple[str, dict[str, Any]]] = [
        ("/api/v1/identity/users", {"limit": 501}), ("/api/v1/identity/users", {"limit": -1}),
        ("/api/v1/identity/users", {"cursor": "eyJhZnRlciI6IDV9"}),
        ("/api/v1/identity/users", {"cursor": "!!!"}), ("/api/v1/identity/users", {"q": "x" * 101}),
        ("/api/v1/identity/roles", {"cursor": "eyJhZnRlciI6IDV9"}),
        ("/api/v1/identity/branches", {"parent_id": "x"}),
        ("/api/v1/identity/api-keys", {"cursor": "eyJhZnRlciI6ICJ4In0="}),
        ("/api/v1/identity/audit", {"to": "not a time"}),
    ]
    for path, params in queries:
        response = await client.get(path, headers=admin, params=params)
        assert response.status_code == 422, (path, params, response.text)
    for nasty in NASTY[:6]:
        found = await client.get("/api/v1/identity/users", headers=admin, params={"q": nasty})
        if "\x00" in nasty or len(nasty) > 100:
            assert found.status_code == 422
        else:
            assert found.status_code == 200 and found.json()["items"] == []
    for params in ({"actor": "\x00"}, {"action": "a\x00"}, {"resource": "\x00"}):
        response = await client.get("/api/v1/identity/audit", headers=admin, params=params)
        assert response.status_code == 422, params

    token = "/api/v1/identity/token"
    for form in ({"grant_type": "magic"}, {"username": "a" * 101, "password": "x"},
                 {"username": "admin", "password": "x" * 201},
                 {"grant_type": "refresh_token"}, {"grant_type": "api_key"}):
        response = await client.post(token, data=form)
        assert response.status_code == 422, (form, response.text)
    for name in NASTY[:4]:
        response = await client.post(token, data={"username": name, "password": name})
        expected = 422 if "\x00" in name or len(name) > 100 else 401
        assert response.status_code == expected, (name, response.text)
    for form in ({"grant_type": "refresh_token", "refresh_token": "\x00"},
                 {"grant_type": "api_key", "api_key": "jxc_\x00"}):
        assert (await client.post(token, data=form)).status_code == 422
    nul_logout = await client.post("/api/v1/identity/logout", json={"refresh_token": "\x00"})
    assert nul_logout.status_code == 422
    not_json = await client.post("/api/v1/identity/logout", content=b"{nope",
                                 headers={"content-type": "application/json"})
    assert not_json.status_code == 422
