"""A service built with ``create_app`` on real infrastructure: authentication,
authorisation, problem details, metrics, and behaviour while the database or
the broker is down."""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest
from sqlalchemy import func, select

from jxc.platform.app import create_app
from jxc.platform.db import Database
from jxc.platform.infra import EmbeddedBroker, free_port
from jxc.platform.testing import Infrastructure, TokenIssuer, eventually, serving

from probe import effects
from probe_app import probe_database, probe_spec

PROBLEM = "application/problem+json"


@pytest.fixture
async def probe_url(infra: Infrastructure) -> str:
    return await probe_database(infra)


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer()


async def test_authentication_and_authorisation(infra: Infrastructure, probe_url: str,
                                                issuer: TokenIssuer) -> None:
    app = create_app(probe_spec(infra, probe_url, issuer))
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        body = {"aggregate": "a", "seq": 1}
        missing = await client.post("/api/v1/probe/pings", json=body)
        assert missing.status_code == 401
        assert missing.headers["content-type"] == PROBLEM
        assert missing.headers["www-authenticate"] == "Bearer"
        assert missing.json()["code"] == "unauthorized"

        token = issuer.token("inventory:adjust")
        head, payload, signature = token.split(".")
        tampered_payload = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
        for bad in (f"{head}.{tampered_payload}.{signature}",
                    f"{head}.{payload}.{signature[::-1]}",
                    TokenIssuer().token("inventory:adjust"),  # signed by a key nobody published
                    issuer.token("inventory:adjust", typ="refresh"),
                    "not-a-jwt"):
            response = await client.post("/api/v1/probe/pings", json=body,
                                         headers={"Authorization": f"Bearer {bad}"})
            assert response.status_code == 401, bad
            assert response.headers["content-type"] == PROBLEM

        expired = await client.post("/api/v1/probe/pings", json=body,
                                    headers=issuer.headers("inventory:adjust", expires_in=-60))
        assert expired.status_code == 401
        assert expired.json()["reason"] == "token_expired"

        forbidden = await client.post("/api/v1/probe/pings", json=body,
                                      headers=issuer.headers("inventory:read"))
        assert forbidden.status_code == 403
        assert forbidden.json()["code"] == "forbidden"
        assert forbidden.json()["missing"] == ["inventory:adjust"]

        for permissions in (("inventory:adjust",), ("inventory:*",), ("*",)):
            allowed = await client.post("/api/v1/probe/pings", json=body,
                                        headers=issuer.headers(*permissions))
            assert allowed.status_code == 201, permissions


async def test_bad_input_gets_422_problem_details_never_500(
        infra: Infrastructure, probe_url: str, issuer: TokenIssuer) -> None:
    app = create_app(probe_spec(infra, probe_url, issuer))
    headers = issuer.headers("*")
    async with serving(app) as url, httpx.AsyncClient(base_url=url, headers=headers) as client:
        invalid = await client.post("/api/v1/probe/pings", json={"aggregate": "", "seq": -1})
        assert invalid.status_code == 422
        assert invalid.headers["content-type"] == PROBLEM
        problem = invalid.json()
        assert problem["code"] == "validation_error"
        assert {e["field"] for e in problem["errors"]} == {"aggregate", "seq"}
        assert "Traceback" not in invalid.text

        for content in (b"{not json", b"[]", b'{"aggregate": "x", "seq": "many"}'):
            response = await client.post("/api/v1/probe/pings", content=content,
                                         headers={"content-type": "application/json"})
            assert response.status_code == 422, content
            assert response.headers["content-type"] == PROBLEM

        unknown = await client.get("/api/v1/probe/nothing-here")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == PROBLEM
        wrong_method = await client.delete("/api/v1/probe/pings")
        assert wrong_method.status_code == 405
        assert wrong_method.headers["content-type"] == PROBLEM


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) "
                    "is not installed; `make test` installs it")
async def test_metrics_pass_promtool(infra: Infrastructure, probe_url: str,
                                     issuer: TokenIssuer) -> None:
    app = create_app(probe_spec(infra, probe_url, issuer))
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        await client.post("/api/v1/probe/pings", json={"aggregate": "m", "seq": 1},
                          headers=issuer.headers("*"))
        await client.get("/api/v1/probe/whoami")
        metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    for family in ("jxc_http_requests_total", "jxc_http_request_duration_seconds_bucket",
                   "jxc_outbox_backlog", "jxc_messages_handled_total"):
        assert family in text, family
    check = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                           capture_output=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


async def test_database_down_fails_fast_with_503(infra: Infrastructure,
                                                 issuer: TokenIssuer) -> None:
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone"
    app = create_app(probe_spec(infra, nowhere, issuer))
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "failing"
        response = await client.post("/api/v1/probe/pings", json={"aggregate": "d", "seq": 1},
                                     headers=issuer.headers("*"))
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "service_unavailable"
        assert "Traceback" not in response.text


async def test_broker_down_at_start_then_recovers_without_losing_events(
        infra: Infrastructure, probe_url: str, issuer: TokenIssuer) -> None:
    port = free_port()
    app = create_app(probe_spec(infra, probe_url, issuer,
                                kafka_bootstrap=f"127.0.0.1:{port}"))
    broker = EmbeddedBroker(port, infra.root / f"late-broker-{port}.log")
    db = Database(probe_url)
    try:
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["broker"] == "failing"
            for seq in range(3):
                accepted = await client.post("/api/v1/probe/pings",
                                             json={"aggregate": "late", "seq": seq},
                                             headers=issuer.headers("*"))
                assert accepted.status_code == 201

            broker.start()

            async def ready_now() -> bool:
                return (await client.get("/readyz")).status_code == 200
            await eventually(ready_now, timeout=90, what="ready once the broker is up")

            async def all_applied() -> bool:
                async with db.session() as session:
                    count = await session.scalar(select(func.count()).select_from(effects)
                                                 .where(effects.c.aggregate == "late"))
                return count == 3
            await eventually(all_applied, timeout=90, what="the three events consumed")
    finally:
        broker.stop()
        await db.dispose()
