"""The audit trail: records from Kafka land in the hash chain exactly once
(redelivered, or copied under another message id), identity's own security
events arrive the same way, search and CSV export filter, the table refuses
changes, and verification names the first changed record."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from jxc.contracts.audit import AuditRecorded
from jxc.identity.bootstrap import MIGRATIONS
from jxc.identity.service_layer import audit as audit_trail
from jxc.platform.db import Database
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, migrated_database, unique

from .conftest import Identity, publish

AUDIT = "/api/v1/identity/audit"


def recorded(actor: str, action: str = "POST /api/v1/inventory/moves",
             **fields: object) -> AuditRecorded:
    return AuditRecorded.model_validate({
        "record_id": str(new_id()), "source_service": "inventory",
        "occurred_at": datetime.now(UTC).isoformat(), "actor_id": actor, "actor_name": "王五",
        "action": action, "resource": "/api/v1/inventory/moves", "status_code": 201,
        "ip": "10.1.2.3", "user_agent": "<script>alert(1)</script>", "request_id": "r-1",
        "detail": {"lines": 2, "note": "=HYPERLINK(\"http://x\")", "ratio": 0.1}, **fields})


async def test_records_land_once_even_when_redelivered(identity: Identity) -> None:
    actor = unique("actor")
    first, second, last = recorded(actor), recorded(actor, action="PATCH /x"), recorded(actor)
    message_id = new_id()
    bootstrap = identity.infra.kafka_bootstrap
    await publish(bootstrap, first, event_id=message_id)
    await publish(bootstrap, first, event_id=message_id)  # redelivered: same message id
    await publish(bootstrap, first)  # the same record again under another message id
    await publish(bootstrap, second, second)
    await publish(bootstrap, last)  # same partition key: it lands after all of the above

    async def all_in() -> list[dict[str, object]] | None:
        items = await identity.audit(actor=actor, order="asc")
        return items if any(i["record_id"] == str(last.record_id) for i in items) else None
    items = await eventually(all_in, timeout=90, what="the audit records in the chain")
    assert [i["record_id"] for i in items] == [str(first.record_id), str(second.record_id),
                                              str(last.record_id)]
    assert items[0]["actor_name"] == "王五" and items[0]["detail"]["ratio"] == 0.1
    assert items[0]["user_agent"] == "<script>alert(1)</script>"
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(seqs)
    verified = await identity.client.get(f"{AUDIT}/verify", headers=identity.admin)
    assert verified.json()["valid"] is True and verified.json()["first_broken_seq"] is None


async def test_security_events_search_export_and_tamper_evidence(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    user = await identity.user(roles=["auditor"])
    await identity.login(user["username"], "wrong password", expect=401)
    await identity.login(user["username"], "Tea-garden-2026")
    await identity.audited("login.succeeded", lambda r: r["actor_id"] == user["id"])
    created = await identity.audited("user.changed",
                                     lambda r: r["resource"] == f"user:{user['id']}")
    assert created["detail"]["op"] == "create" and created["actor_name"] == "admin"

    logins = await identity.audit(action="login.", actor=user["id"])
    assert {r["action"] for r in logins} == {"login.failed", "login.succeeded"}
    assert logins[0]["seq"] > logins[-1]["seq"]  # newest first
    page = await client.get(AUDIT, headers=admin, params={"limit": 1, "action": "login.",
                                                          "actor": user["id"]})
    assert len(page.json()["items"]) == 1 and page.json()["next_cursor"]
    rest = await client.get(AUDIT, headers=admin, params={
        "limit": 1, "action": "login.", "actor": user["id"],
        "cursor": page.json()["next_cursor"]})
    assert rest.json()["items"][0]["seq"] < page.json()["items"][0]["seq"]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await identity.audit(**{"from": future}) == []
    assert await identity.audit(action="%") == []  # LIKE wildcards are literal

    export = await client.get(f"{AUDIT}/export.csv", headers=admin,
                              params={"actor": user["id"]})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert {r["action"] for r in rows} >= {"login.failed", "login.succeeded"}
    assert all(r["actor_id"] == user["id"] for r in rows)
    assert [int(r["seq"]) for r in rows] == sorted(int(r["seq"]) for r in rows)

    as_auditor = await identity.headers_for(user["username"])
    assert (await client.get(AUDIT, headers=as_auditor)).status_code == 200
    clerk = await identity.user(roles=["warehouse_clerk"])
    as_clerk = await identity.headers_for(clerk["username"])
    for path in (AUDIT, f"{AUDIT}/export.csv", f"{AUDIT}/verify"):
        assert (await client.get(path, headers=as_clerk)).status_code == 403

    # the table refuses changes...
    target = logins[-1]["seq"]
    with pytest.raises(DBAPIError, match="append-only"):
        await identity.sql("UPDATE audit_record SET actor_name = 'mallory' WHERE seq = :s",
                           s=target)
    with pytest.raises(DBAPIError, match="append-only"):
        await identity.sql("DELETE FROM audit_record WHERE seq = :s", s=target)
    with pytest.raises(DBAPIError, match="append-only"):
        await identity.sql("TRUNCATE audit_record")
    assert (await client.get(f"{AUDIT}/verify", headers=admin)).json()["valid"] is True

    # ...and whoever gets round the trigger is found out
    await identity.sql("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only")
    await identity.sql("UPDATE audit_record SET actor_name = 'mallory' WHERE seq = :s",
                       s=target)
    await identity.sql("ALTER TABLE audit_record ENABLE TRIGGER audit_record_append_only")
    verdict = (await client.get(f"{AUDIT}/verify", headers=admin)).json()
    assert verdict["valid"] is False and verdict["first_broken_seq"] == target
    first_seq = (await identity.sql("SELECT min(seq) AS s FROM audit_record"))[0].s
    count_before = (await identity.sql(
        "SELECT count(*) AS n FROM audit_record WHERE seq <= :s", s=target))[0].n
    assert verdict["checked"] == count_before and first_seq <= target


async def test_bad_audit_queries_are_422(identity: Identity) -> None:
    for params in ({"limit": 100000}, {"limit": 0}, {"limit": "ten"},
                   {"cursor": "not-a-cursor"}, {"cursor": "eyJhZnRlciI6ICJ4In0="},
                   {"from": "yesterday"}, {"actor": "x" * 300}, {"order": "sideways"}):
        response = await identity.client.get(AUDIT, headers=identity.admin, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"


async def test_concurrent_appends_never_fork_the_chain(infra: Infrastructure) -> None:
    db = Database(await migrated_database(infra, MIGRATIONS, "identity_chain"))

    async def write(n: int) -> None:
        async with db.transaction() as session:
            for _ in range(n):
                await audit_trail.append(session, recorded("concurrent"))

    try:
        await asyncio.gather(*(write(3) for _ in range(12)))
        async with db.session() as session:
            check = await audit_trail.verify(session)
            prevs = (await session.execute(text("SELECT prev_hash FROM audit_record"))).scalars()
            assert len(set(prevs)) == 36  # every record links to a different predecessor
        assert check.valid and check.checked == 36
    finally:
        await db.dispose()
