"""Every mutating request to a service built with ``create_app`` leaves one
``AuditRecorded`` in its outbox, on real PostgreSQL and Kafka: who, what, which
resource, how it ended, from where, with the request and trace ids."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import select

from jxc.contracts.audit import AuditRecorded
from jxc.contracts.topics import AUDIT_EVENTS
from jxc.platform.app import create_app
from jxc.platform.audit import AuditMiddleware
from jxc.platform.bus import ensure_topics
from jxc.platform.db import Database
from jxc.platform.db.tables import outbox
from jxc.platform.infra import free_port
from jxc.platform.outbox import OutboxRelay
from jxc.platform.testing import Infrastructure, TokenIssuer, eventually, serving, topic_reader

from probe_app import probe_spec

API = "/api/v1/probe"
ALICE = "00000000-0000-0000-0000-00000000000a"
TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


@contextlib.asynccontextmanager
async def probe(infra: Infrastructure, database_url: str, issuer: TokenIssuer,
                **settings: object) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The probe service's api role and the service name its records carry."""
    app = create_app(probe_spec(infra, database_url, issuer, **settings), role="api")
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield client, app.state.spec.settings.service_name


def alice(issuer: TokenIssuer, *permissions: str, request_id: str) -> dict[str, str]:
    return {**issuer.headers(*(permissions or ("inventory:adjust",)), subject=ALICE,
                             username="alice"),
            "X-Request-ID": request_id}


async def audit_rows(db: Database) -> list[Any]:
    async with db.session() as session:
        return list((await session.execute(
            select(outbox.c.topic, outbox.c.key, outbox.c.payload)
            .where(outbox.c.type == AuditRecorded.type_name).order_by(outbox.c.id))).all())


async def records(db: Database, count: int) -> dict[str, dict[str, Any]]:
    """The audit records once there are ``count`` of them, by request id."""
    async def enough() -> list[Any] | None:
        rows = await audit_rows(db)
        return rows if len(rows) >= count else None
    rows = await eventually(enough, timeout=30, what=f"{count} audit records")
    assert len(rows) == count, [r.payload for r in rows]
    return {r.payload["request_id"]: r.payload for r in rows}


async def test_a_mutation_is_recorded_once_with_who_what_and_where(
        infra: Infrastructure, probe_url: str, db: Database, issuer: TokenIssuer) -> None:
    secret_name = "hunter2-is-my-password"
    async with probe(infra, probe_url, issuer) as (client, service):
        read = await client.get(f"{API}/whoami", headers=alice(issuer, request_id="get-1"))
        assert read.status_code == 200
        created = await client.post(f"{API}/things", json={"name": secret_name}, headers={
            **alice(issuer, request_id="post-1"), "User-Agent": "audit-test/" + "x" * 300,
            "X-Forwarded-For": "203.0.113.7"})
        assert created.status_code == 201

    # Written once the response was out; the service writes what is queued as it stops.
    [row] = await audit_rows(db)
    assert (row.topic, row.key) == (AUDIT_EVENTS, service)
    record = row.payload
    assert record["request_id"] == "post-1"
    assert record["source_service"] == service
    assert (record["actor_id"], record["actor_name"], record["actor_kind"]) == (
        ALICE, "alice", "user")
    assert record["action"] == f"POST {API}/things"
    assert record["resource"] == f"{API}/things"
    assert (record["outcome"], record["status_code"]) == ("success", 201)
    assert TRACE_ID.match(record["trace_id"]) and set(record["trace_id"]) != {"0"}
    assert record["ip"] == "203.0.113.7"
    assert record["user_agent"] == ("audit-test/" + "x" * 300)[:200]
    assert record["detail"] == {"location": created.headers["location"]}
    occurred = datetime.fromisoformat(record["occurred_at"])
    assert abs((datetime.now(UTC) - occurred).total_seconds()) < 60
    assert secret_name not in json.dumps(record)  # request bodies never reach the trail


async def test_the_action_names_the_route_and_a_route_can_add_context(
        infra: Infrastructure, probe_url: str, db: Database, issuer: TokenIssuer) -> None:
    async with probe(infra, probe_url, issuer) as (client, _):
        put = await client.put(f"{API}/notes/n-42", json={"title": "new title"},
                               headers=alice(issuer, request_id="put-1"))
        assert put.status_code == 200
        wrong_method = await client.delete(f"{API}/pings",
                                           headers=alice(issuer, request_id="delete-1"))
        assert wrong_method.status_code == 405
        by_request = await records(db, 2)

    put_record = by_request["put-1"]
    assert put_record["action"] == f"PUT {API}/notes/{{note_id}}"
    assert put_record["resource"] == f"{API}/notes/n-42"
    assert put_record["outcome"] == "success"
    assert put_record["ip"] == "127.0.0.1"
    assert put_record["detail"] == {"before": None, "after": {"title": "new title"}}
    assert by_request["delete-1"]["outcome"] == "failed"
    assert by_request["delete-1"]["status_code"] == 405


async def test_refused_requests_are_recorded_as_denied_or_failed(
        infra: Infrastructure, probe_url: str, db: Database, issuer: TokenIssuer) -> None:
    ping = {"aggregate": "audited", "seq": 1}
    async with probe(infra, probe_url, issuer) as (client, _):
        anonymous = await client.post(f"{API}/pings", json=ping,
                                      headers={"X-Request-ID": "anonymous"})
        forged = await client.post(f"{API}/pings", json=ping, headers={
            "Authorization": f"Bearer {TokenIssuer().token('*', subject=ALICE)}",
            "X-Request-ID": "forged"})
        forbidden = await client.post(f"{API}/pings", json=ping,
                                      headers=alice(issuer, "inventory:read",
                                                    request_id="forbidden"))
        invalid = await client.post(f"{API}/pings", json={"aggregate": "", "seq": -1},
                                    headers=alice(issuer, request_id="invalid"))
        assert [r.status_code for r in (anonymous, forged, forbidden, invalid)] == [
            401, 401, 403, 422]
        by_request = await records(db, 4)

    for request_id in ("anonymous", "forged"):
        record = by_request[request_id]
        assert (record["outcome"], record["status_code"]) == ("denied", 401)
        assert (record["actor_id"], record["actor_name"]) == ("", "")  # never an unverified sub
        assert record["action"] == f"POST {API}/pings"
        assert record["detail"]["problem_code"] == "unauthorized"
    denied = by_request["forbidden"]
    assert (denied["outcome"], denied["status_code"], denied["actor_id"]) == (
        "denied", 403, ALICE)
    assert denied["detail"] == {"problem_code": "forbidden", "missing": ["inventory:adjust"]}
    failed = by_request["invalid"]
    assert (failed["outcome"], failed["status_code"], failed["actor_id"]) == (
        "failed", 422, ALICE)
    assert failed["detail"] == {"problem_code": "validation_error"}


async def test_an_idempotent_replay_is_recorded_as_one(
        infra: Infrastructure, probe_url: str, db: Database, issuer: TokenIssuer) -> None:
    async with probe(infra, probe_url, issuer) as (client, _):
        responses = [await client.post(f"{API}/things", json={"name": "replayed"}, headers={
            **alice(issuer, request_id=f"try-{n}"), "Idempotency-Key": "audit-key-1"})
            for n in (1, 2)]
        assert [r.status_code for r in responses] == [201, 201]
        assert responses[1].headers["idempotent-replayed"] == "true"
        by_request = await records(db, 2)

    first, replay = by_request["try-1"], by_request["try-2"]
    assert "idempotent_replay" not in first["detail"]
    assert replay["detail"]["idempotent_replay"] is True
    assert (replay["actor_id"], replay["outcome"], replay["status_code"]) == (
        ALICE, "success", 201)
    assert first["record_id"] != replay["record_id"]


async def test_records_reach_the_audit_topic(
        infra: Infrastructure, probe_url: str, db: Database, issuer: TokenIssuer) -> None:
    await ensure_topics(infra.kafka_bootstrap, [AUDIT_EVENTS])
    async with probe(infra, probe_url, issuer) as (client, service):
        created = await client.post(f"{API}/things", json={"name": "published"},
                                    headers=alice(issuer, request_id="to-kafka"))
        assert created.status_code == 201
        record = (await records(db, 1))["to-kafka"]

    relay = OutboxRelay(db, service, infra.kafka_bootstrap, poll_seconds=0.2)
    task = asyncio.create_task(relay.run())
    try:
        async with topic_reader(infra.kafka_bootstrap, AUDIT_EVENTS) as reader:
            async def published() -> Any:
                await reader.read(0, timeout=1)
                return next((r for r in reader.records
                             if json.loads(r.value)["record_id"] == record["record_id"]), None)
            message = await eventually(published, what="the audit record on Kafka")
            headers = reader.headers(message)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await relay.close()
    assert message.key.decode() == service
    assert headers["ce_type"] == AuditRecorded.type_name
    assert record["trace_id"] in headers["traceparent"]  # publishing joins the request's trace
    assert json.loads(message.value) == record
    assert AuditRecorded.model_validate(record).action == f"POST {API}/things"


def _lost(service: str) -> float:
    return REGISTRY.get_sample_value("jxc_audit_write_failures_total",
                                     {"service": service}) or 0.0


async def test_database_down_changes_no_response(infra: Infrastructure,
                                                 issuer: TokenIssuer) -> None:
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone"
    async with probe(infra, nowhere, issuer) as (client, service):
        note = await client.put(f"{API}/notes/n-1", json={"title": "kept"},
                                headers=alice(issuer, request_id="down-1"))
        assert note.status_code == 200
        assert note.json() == {"id": "n-1", "title": "kept", "by": ALICE}
        await eventually(lambda: _lost(service) == 1, what="the lost record counted")

        ping = await client.post(f"{API}/pings", json={"aggregate": "down", "seq": 1},
                                 headers=alice(issuer, request_id="down-2"))
        assert ping.status_code == 503
        assert ping.json()["code"] == "service_unavailable"
        keyed = await client.post(f"{API}/things", json={"name": "down"}, headers={
            **alice(issuer, request_id="down-3"), "Idempotency-Key": "down-key"})
        assert keyed.status_code == 503
        assert keyed.headers["retry-after"] == "2"
        await eventually(lambda: _lost(service) == 3, what="every lost record counted")
        assert (await client.get("/healthz")).status_code == 200


def test_audit_is_for_the_api_roles_and_can_be_turned_off(infra: Infrastructure,
                                                          issuer: TokenIssuer) -> None:
    def audited(app: FastAPI) -> bool:
        return any(m.cls is AuditMiddleware for m in app.user_middleware)

    url = "postgresql+asyncpg://postgres@127.0.0.1:1/unused"
    assert audited(create_app(probe_spec(infra, url, issuer), role="api"))
    assert audited(create_app(probe_spec(infra, url, issuer), role="all"))
    assert not audited(create_app(probe_spec(infra, url, issuer), role="worker"))
    assert not audited(create_app(probe_spec(infra, url, issuer, audit_enabled=False),
                                  role="api"))
