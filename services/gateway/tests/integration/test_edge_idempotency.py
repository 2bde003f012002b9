"""Idempotency-Key replays answered by the gateway from the session's real
Redis, without reaching the service (the echo service counts every call)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from redis.asyncio import Redis

from jxc.platform.testing import Infrastructure

PROBLEM = "application/problem+json"


def key() -> str:
    return f"key-{uuid.uuid4()}"


async def test_a_retried_post_is_answered_at_the_edge(peers: Any, gateway: Any,
                                                      infra: Infrastructure) -> None:
    async with gateway() as client:
        subject = str(uuid.uuid4())
        user = peers.bearer(subject)
        first_key = key()
        headers = {**user, "Idempotency-Key": first_key}
        first = await client.post("/api/v1/echo/things?x=1", json={"name": "tea"},
                                  headers=headers)
        assert first.status_code == 201
        assert first.json()["run"] == 1
        assert "idempotent-replayed" not in first.headers

        retry = await client.post("/api/v1/echo/things?x=1", json={"name": "tea"},
                                  headers=headers)
        assert retry.status_code == 201
        assert retry.content == first.content
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.headers["location"] == first.headers["location"]
        assert retry.headers["etag"] == first.headers["etag"]
        assert retry.headers["content-type"] == "application/json"
        assert "x-not-kept" not in retry.headers
        assert retry.headers["x-content-type-options"] == "nosniff"
        assert [s["key"] for s in peers.seen].count(first_key) == 1  # never reached it

        other_body = await client.post("/api/v1/echo/things?x=1", json={"name": "coffee"},
                                       headers=headers)
        assert other_body.status_code == 422
        assert other_body.headers["content-type"] == PROBLEM
        assert other_body.json()["code"] == "idempotency_key_reused"
        other_query = await client.post("/api/v1/echo/things?x=2", json={"name": "tea"},
                                        headers=headers)
        assert other_query.json()["code"] == "idempotency_key_reused"
        assert [s["key"] for s in peers.seen].count(first_key) == 1

        someone_else = await client.post("/api/v1/echo/things?x=1", json={"name": "tea"},
                                         headers={**peers.bearer(), "Idempotency-Key":
                                                  first_key})
        assert someone_else.json()["run"] == 2  # keys are per caller

        async with Redis.from_url(infra.redis_url) as redis:
            name = "jxc:gw:idem:" + hashlib.sha256(
                f"{subject}\n{first_key}".encode()).hexdigest()
            assert 86_000 < await redis.ttl(name) <= 86_400

        kept = key()
        for _ in range(2):
            conflict = await client.post("/api/v1/echo/things?status=409", json={},
                                         headers={**user, "Idempotency-Key": kept})
            assert conflict.status_code == 409
        assert conflict.headers["idempotent-replayed"] == "true"  # 4xx are kept too


async def test_what_is_not_kept_runs_again(peers: Any, gateway: Any) -> None:
    async with gateway(idempotency_max_body_bytes=10_000) as client:
        user = peers.bearer()
        cases = {
            "server error": "status=500",
            "retry later": "status=409&retry_after=true",
            "too many": "status=429",
            "no-store": "no_store=true",
            "too big to keep": "size=20000",
        }
        for case, query in cases.items():
            once = key()
            runs = []
            for _ in range(2):
                answer = await client.post(f"/api/v1/echo/things?{query}", json={},
                                           headers={**user, "Idempotency-Key": once})
                assert "idempotent-replayed" not in answer.headers, case
                runs.append(answer.json()["run"])
            assert runs == [1, 2], case

        small = key()
        await client.post("/api/v1/echo/things?size=5000", json={},
                          headers={**user, "Idempotency-Key": small})
        again = await client.post("/api/v1/echo/things?size=5000", json={},
                                  headers={**user, "Idempotency-Key": small})
        assert again.headers["idempotent-replayed"] == "true"

        invalid = "k" * 201  # the service refuses it; the gateway does not keep it
        for _ in range(2):
            passed = await client.post("/api/v1/echo/things", json={},
                                       headers={**user, "Idempotency-Key": invalid})
            assert "idempotent-replayed" not in passed.headers

        anonymous_key = key()  # public routes carry no principal: nothing kept
        for _ in range(2):
            await client.post("/api/v1/identity/token", data={"grant_type": "password"},
                              headers={"Idempotency-Key": anonymous_key})
        assert peers.exchanges[""] >= 2
