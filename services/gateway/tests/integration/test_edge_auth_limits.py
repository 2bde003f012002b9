"""Authentication at the edge (bearer tokens, partners' API keys exchanged at
identity) and rate limits in the session's real Redis: per principal by tier,
per client IP, the stricter login bucket, and failing open without Redis."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import jwt

from jxc.gateway.settings import Rate
from jxc.platform.infra import free_port

PROBLEM = "application/problem+json"


def client_ip() -> str:
    """An address of its own for one test step (the gateway believes
    X-Forwarded-For from loopback, as from a trusted proxy)."""
    part = uuid.uuid4().hex
    return f"2001:db8::{part[:4]}:{part[4:8]}"


async def test_api_keys_are_exchanged_once_cached_and_refused_as_identity_says(
        peers: Any, gateway: Any) -> None:
    peers.api_keys["partner-secret-1"] = {"sub": "partner-1", "rate_tier": "premium"}
    peers.api_keys["partner-secret-2"] = {"sub": "partner-2"}
    peers.api_keys["short-lived"] = {"sub": "partner-3", "expires_in": 20}
    async with gateway() as client:
        first = await client.get("/api/v1/echo/orders",
                                 headers={"Authorization": "ApiKey partner-secret-1"})
        assert first.status_code == 200, first.text
        forwarded = first.json()["headers"]["authorization"]
        assert forwarded.startswith("Bearer ")
        claims = jwt.decode(forwarded.removeprefix("Bearer "),
                            options={"verify_signature": False})
        assert claims["sub"] == "partner-1"
        again = await client.get("/api/v1/echo/orders",
                                 headers={"Authorization": "ApiKey partner-secret-1"})
        assert again.status_code == 200
        assert again.json()["headers"]["authorization"] == forwarded
        assert peers.exchanges["partner-secret-1"] == 1

        together = await asyncio.gather(*(
            client.get("/api/v1/echo/orders", headers={"Authorization": "ApiKey partner-secret-2"})
            for _ in range(5)))
        assert [r.status_code for r in together] == [200] * 5
        assert peers.exchanges["partner-secret-2"] == 1  # one exchange for all of them

        for _ in range(2):
            short = await client.get("/api/v1/echo/orders",
                                     headers={"Authorization": "ApiKey short-lived"})
            assert short.status_code == 200
        assert peers.exchanges["short-lived"] == 2  # expires within 30 s: not cached

        for attempt in (1, 2):
            refused = await client.get("/api/v1/echo/orders",
                                       headers={"Authorization": "ApiKey revoked-or-unknown"})
            assert refused.status_code == 401
            assert refused.headers["content-type"] == PROBLEM
            assert refused.json()["reason"] == "invalid_api_key"  # identity's own answer
            assert refused.headers["www-authenticate"] == "ApiKey"
            assert peers.exchanges["revoked-or-unknown"] == attempt  # refusals not cached

        bad_bearer = await client.get("/api/v1/echo/orders",
                                      headers={"Authorization": "Bearer not-a-token"})
        assert bad_bearer.status_code == 401
        nothing = await client.get("/api/v1/echo/orders", headers={"Authorization": "ApiKey"})
        assert nothing.status_code == 401
        assert "ApiKey" in nothing.json()["detail"]

    no_identity = {"echo": peers.echo_url, "identity": f"http://127.0.0.1:{free_port()}"}
    async with gateway(upstreams=no_identity) as client:
        down = await client.get("/api/v1/echo/orders",
                                headers={"Authorization": "ApiKey partner-secret-1"})
        assert down.status_code == 503
        assert down.headers["content-type"] == PROBLEM
        still = await client.get("/api/v1/echo/orders", headers=peers.bearer())
        assert still.status_code == 200  # bearer tokens need identity's keys only


TIGHT = {"standard": Rate(per_second=0.5, burst=3), "premium": Rate(per_second=0.5, burst=6),
         "ip": Rate(per_second=0.5, burst=20), "login": Rate(per_second=0.5, burst=2)}


async def test_rate_limits_per_principal_tier_and_client_ip(
        peers: Any, gateway: Any, metric_value: Any) -> None:
    async with gateway(rate_limits=TIGHT) as client:
        before = (await client.get("/metrics")).text

        ip, user = client_ip(), peers.bearer()
        for remaining in ("2", "1", "0"):
            ok = await client.get("/api/v1/echo/x", headers={**user, "X-Forwarded-For": ip})
            assert ok.status_code == 200
            assert ok.headers["ratelimit-limit"] == "3"
            assert ok.headers["ratelimit-remaining"] == remaining
        limited = await client.get("/api/v1/echo/x", headers={**user, "X-Forwarded-For": ip})
        assert limited.status_code == 429
        assert limited.headers["content-type"] == PROBLEM
        assert limited.json()["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 2  # one token at 0.5/s
        assert limited.headers["ratelimit-limit"] == "3"
        assert limited.headers["ratelimit-remaining"] == "0"
        other_user = await client.get("/api/v1/echo/x", headers={
            **peers.bearer(), "X-Forwarded-For": client_ip()})
        assert other_user.status_code == 200

        premium, ip = peers.bearer(rate_tier="premium"), client_ip()
        statuses = [(await client.get("/api/v1/echo/x", headers={
            **premium, "X-Forwarded-For": ip})).status_code for _ in range(7)]
        assert statuses == [200] * 6 + [429]

        ip = client_ip()  # many users behind one address share its bucket
        statuses = [(await client.get("/api/v1/echo/x", headers={
            **peers.bearer(), "X-Forwarded-For": ip})).status_code for _ in range(21)]
        assert statuses == [200] * 20 + [429]

        ip = client_ip()  # the token endpoint: the login bucket, per address
        login = {"grant_type": "password", "username": "admin", "password": "guess"}
        statuses = [(await client.post("/api/v1/identity/token", data=login, headers={
            "X-Forwarded-For": ip})).status_code for _ in range(3)]
        assert statuses == [401, 401, 429]
        elsewhere = await client.post("/api/v1/identity/token", data=login,
                                      headers={"X-Forwarded-For": client_ip()})
        assert elsewhere.status_code == 401

        ip = client_ip()  # API-key guessing draws from the login bucket too
        statuses = [(await client.get("/api/v1/echo/x", headers={
            "Authorization": f"ApiKey guess-{n}", "X-Forwarded-For": ip})).status_code
            for n in range(3)]
        assert statuses == [401, 401, 429]
        assert peers.exchanges["guess-2"] == 0  # refused before reaching identity

        ip = client_ip()  # failed authentications count per address
        statuses = [(await client.get("/api/v1/echo/x", headers={
            "X-Forwarded-For": ip})).status_code for _ in range(21)]
        assert statuses == [401] * 20 + [429]

        after = (await client.get("/metrics")).text
        for bucket, refused in (("standard", 1), ("premium", 1), ("ip", 2), ("login", 2)):
            name = "jxc_gateway_rate_limited_total"
            assert (metric_value(after, name, bucket=bucket)
                    - metric_value(before, name, bucket=bucket)) == refused, bucket


class Remember(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def test_without_redis_the_gateway_fails_open(peers: Any, gateway: Any,
                                                    metric_value: Any) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    tight = {name: Rate(per_second=0.01, burst=1) for name in TIGHT}
    remember = Remember()
    logging.getLogger("jxc.gateway.redis").addHandler(remember)
    try:
        async with gateway(redis_url=nowhere, rate_limits=tight) as client:
            before = (await client.get("/metrics")).text
            user = peers.bearer()
            for _ in range(5):
                answer = await client.get("/api/v1/echo/x", headers=user)
                assert answer.status_code == 200
                assert "ratelimit-limit" not in answer.headers
            key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
            runs = [(await client.post("/api/v1/echo/things", json={"a": 1},
                                       headers={**user, **key})).json()["run"]
                    for _ in range(2)]
            assert runs == [1, 2]  # no edge store: both reached the service
            after = (await client.get("/metrics")).text
    finally:
        logging.getLogger("jxc.gateway.redis").removeHandler(remember)
    name = "jxc_gateway_redis_fail_open_total"
    assert (metric_value(after, name, operation="rate_limit")
            - metric_value(before, name, operation="rate_limit")) == 7
    assert (metric_value(after, name, operation="idempotency")
            - metric_value(before, name, operation="idempotency")) >= 2
    assert any("failing open" in message for message in remember.messages)
