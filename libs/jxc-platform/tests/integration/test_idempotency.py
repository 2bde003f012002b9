"""``Idempotency-Key`` on every POST of a service built with ``create_app``, on
real PostgreSQL: a retry returns the first response byte for byte and the
effect happens once."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from jxc.platform.app import create_app
from jxc.platform.db import Database
from jxc.platform.db.tables import idempotency_key
from jxc.platform.infra import free_port
from jxc.platform.testing import Infrastructure, TokenIssuer, eventually, serving, unique

from probe import effects
from probe_app import GATES, THING_ATTEMPTS, probe_spec

PROBLEM = "application/problem+json"
THINGS = "/api/v1/probe/things"
ALICE = "00000000-0000-0000-0000-00000000000a"
BOB = "00000000-0000-0000-0000-00000000000b"


@contextlib.asynccontextmanager
async def probe_client(infra: Infrastructure, database_url: str,
                       issuer: TokenIssuer) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(probe_spec(infra, database_url, issuer), role="api")
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield client


def as_caller(issuer: TokenIssuer, subject: str = ALICE) -> dict[str, str]:
    return issuer.headers("inventory:adjust", subject=subject)


async def create(client: httpx.AsyncClient, headers: dict[str, str], key: str | None,
                 path: str = THINGS, **body: Any) -> httpx.Response:
    keyed = {**headers, "Idempotency-Key": key} if key is not None else headers
    return await client.post(path, json=body, headers=keyed)


async def effect_count(db: Database, name: str) -> int:
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(effects)
                                     .where(effects.c.aggregate == name))
    return int(count or 0)


async def age_key(db: Database, key: str, by: timedelta) -> None:
    async with db.transaction() as session:
        await session.execute(update(idempotency_key).where(idempotency_key.c.key == key)
                              .values(created_at=func.now() - by))


async def records(db: Database, key: str) -> list[Any]:
    async with db.session() as session:
        return list((await session.execute(
            select(idempotency_key).where(idempotency_key.c.key == key))).all())


async def test_a_retry_returns_the_first_response(infra: Infrastructure, probe_url: str,
                                                  db: Database, issuer: TokenIssuer) -> None:
    name, key = unique("thing"), unique("key")
    async with probe_client(infra, probe_url, issuer) as client:
        first = await create(client, as_caller(issuer), key, name=name)
        retry = await create(client, as_caller(issuer), key, name=name)
        again = await create(client, as_caller(issuer), key, name=name)

    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    for replay in (retry, again):
        assert replay.status_code == 201
        assert replay.content == first.content
        assert replay.headers["idempotent-replayed"] == "true"
        for header in ("content-type", "location", "etag"):
            assert replay.headers[header] == first.headers[header]
        assert "x-probe-run" not in replay.headers  # only the kept headers come back
    assert await effect_count(db, name) == 1
    [record] = await records(db, key)
    assert record.status == "done"
    assert record.principal == ALICE
    assert record.endpoint == f"POST {THINGS}"
    assert set(record.response_headers) == {"content-type", "location", "etag"}


async def test_a_key_is_bound_to_its_first_request(infra: Infrastructure, probe_url: str,
                                                   db: Database, issuer: TokenIssuer) -> None:
    name, key = unique("thing"), unique("key")
    async with probe_client(infra, probe_url, issuer) as client:
        first = await create(client, as_caller(issuer), key, name=name)
        other_body = await create(client, as_caller(issuer), key, name=unique("other"))
        other_query = await create(client, as_caller(issuer), key, f"{THINGS}?copy=1",
                                   name=name)
        other_path = await create(client, as_caller(issuer), key, "/api/v1/probe/pings",
                                  aggregate=name, seq=1)
        retry = await create(client, as_caller(issuer), key, name=name)

    assert first.status_code == 201
    for reused in (other_body, other_query, other_path):
        assert reused.status_code == 422
        assert reused.headers["content-type"] == PROBLEM
        assert reused.json()["code"] == "idempotency_key_reused"
    assert retry.content == first.content
    assert await effect_count(db, name) == 1


async def test_keys_belong_to_verified_callers(infra: Infrastructure, probe_url: str,
                                               db: Database, issuer: TokenIssuer) -> None:
    name, key = unique("thing"), unique("key")
    async with probe_client(infra, probe_url, issuer) as client:
        alice = await create(client, as_caller(issuer, ALICE), key, name=name)
        bob = await create(client, as_caller(issuer, BOB), key, name=name)
        # Alice's subject in a token nobody can verify replays nothing of hers.
        forged = await create(client, as_caller(TokenIssuer(), ALICE), key, name=name)
        anonymous = await create(client, {}, key, name=name)
        alice_again = await create(client, as_caller(issuer, ALICE), key, name=name)

    assert alice.status_code == bob.status_code == 201
    assert alice.json()["id"] != bob.json()["id"]
    assert "idempotent-replayed" not in bob.headers
    assert forged.status_code == 401
    assert "idempotent-replayed" not in forged.headers
    # Callers without a verified token share one scope: the anonymous caller
    # gets the forged request's 401 back, never anything of Alice's.
    assert anonymous.status_code == 401
    assert anonymous.content == forged.content
    assert alice_again.content == alice.content
    assert await effect_count(db, name) == 2
    assert sorted(r.principal for r in await records(db, key)) == ["", ALICE, BOB]


async def test_without_a_key_every_post_runs(infra: Infrastructure, probe_url: str,
                                            db: Database, issuer: TokenIssuer) -> None:
    name, key = unique("thing"), unique("key")
    async with probe_client(infra, probe_url, issuer) as client:
        first = await create(client, as_caller(issuer), None, name=name)
        second = await create(client, as_caller(issuer), None, name=name)
        read = await client.get("/api/v1/probe/whoami",
                                headers={**as_caller(issuer), "Idempotency-Key": key})

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert read.status_code == 200
    assert await effect_count(db, name) == 2
    assert await records(db, key) == []


@pytest.mark.parametrize("failure,status", [("error", 500), ("unavailable", 503)])
async def test_server_errors_are_not_kept(infra: Infrastructure, probe_url: str, db: Database,
                                          issuer: TokenIssuer, failure: str,
                                          status: int) -> None:
    name, key = unique("thing"), unique("key")
    async with probe_client(infra, probe_url, issuer) as client:
        failed = await create(client, as_caller(issuer), key, name=name, fail_first=failure)
        assert failed.status_code == status
        assert failed.headers["content-type"] == PROBLEM
        assert await records(db, key) == []
        retry = await create(client, as_caller(issuer), key, name=name, fail_first=failure)
        replay = await create(client, as_caller(issuer), key, name=name, fail_first=failure)

    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert retry.headers["x-probe-run"] == "2"
    assert replay.content == retry.content
    assert replay.headers["idempotent-replayed"] == "true"
    assert await effect_count(db, name) == 1


async def test_no_store_responses_are_not_kept(infra: Infrastructure, probe_url: str,
                                               db: Database, issuer: TokenIssuer) -> None:
    name, key = unique("thing"), unique("key")
    async with probe_client(infra, probe_url, issuer) as client:
        first = await create(client, as_caller(issuer), key, name=name, secret=True)
        retry = await create(client, as_caller(issuer), key, name=name, secret=True)

    assert first.status_code == retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert first.json()["id"] != retry.json()["id"]
    assert await records(db, key) == []


async def test_a_duplicate_while_the_first_runs_gets_409(
        infra: Infrastructure, probe_url: str, db: Database, issuer: TokenIssuer) -> None:
    name, key, gate = unique("thing"), unique("key"), unique("gate")
    GATES[gate] = asyncio.Event()
    async with probe_client(infra, probe_url, issuer) as client:
        first = asyncio.create_task(create(client, as_caller(issuer), key, name=name, gate=gate))
        await eventually(lambda: THING_ATTEMPTS[name] == 1, timeout=30, what="first running")
        duplicate = await create(client, as_caller(issuer), key, name=name, gate=gate)
        GATES[gate].set()
        original = await first
        retry = await create(client, as_caller(issuer), key, name=name, gate=gate)

    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == PROBLEM
    assert duplicate.headers["retry-after"] == "1"
    assert duplicate.json()["code"] == "request_in_progress"
    assert original.status_code == 201
    assert retry.content == original.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert THING_ATTEMPTS[name] == 1
    assert await effect_count(db, name) == 1


async def test_concurrent_duplicates_never_run_twice(infra: Infrastructure, probe_url: str,
                                                     db: Database, issuer: TokenIssuer) -> None:
    name, key = unique("thing"), unique("key")
    async with probe_client(infra, probe_url, issuer) as client:
        responses = await asyncio.gather(*(create(client, as_caller(issuer), key, name=name)
                                           for _ in range(12)))

    statuses = {r.status_code for r in responses}
    assert statuses <= {201, 409}, statuses
    created = [r.content for r in responses if r.status_code == 201]
    assert created and len(set(created)) == 1
    for busy in (r for r in responses if r.status_code == 409):
        assert busy.json()["code"] == "request_in_progress"
    assert await effect_count(db, name) == 1


async def test_an_abandoned_request_is_taken_over(infra: Infrastructure, probe_url: str,
                                                  db: Database, issuer: TokenIssuer) -> None:
    """A pending key older than a minute belongs to a request presumed dead: a
    retry runs again, and the late first request cannot overwrite its record."""
    name, key, gate = unique("thing"), unique("key"), unique("gate")
    GATES[gate] = asyncio.Event()
    async with probe_client(infra, probe_url, issuer) as client:
        stuck = asyncio.create_task(create(client, as_caller(issuer), key, name=name, gate=gate))
        await eventually(lambda: THING_ATTEMPTS[name] == 1, timeout=30, what="first running")
        await age_key(db, key, timedelta(seconds=61))
        different = await create(client, as_caller(issuer), key, name=unique("other"))
        GATES[gate].set()  # the takeover passes the gate too
        takeover = await create(client, as_caller(issuer), key, name=name, gate=gate)
        late = await stuck
        retry = await create(client, as_caller(issuer), key, name=name, gate=gate)

    assert different.status_code == 422
    assert different.json()["code"] == "idempotency_key_reused"
    assert takeover.status_code == late.status_code == 201
    assert takeover.json()["id"] != late.json()["id"]
    assert retry.content == takeover.content
    assert await effect_count(db, name) == 2


async def test_expired_keys_run_again_and_are_purged(
        infra: Infrastructure, probe_url: str, db: Database, issuer: TokenIssuer) -> None:
    name, key, forgotten = unique("thing"), unique("key"), unique("key")
    async with probe_client(infra, probe_url, issuer) as client:
        first = await create(client, as_caller(issuer), key, name=name)
        await age_key(db, key, timedelta(hours=25))
        after_expiry = await create(client, as_caller(issuer), key, name=name)
        assert (await create(client, as_caller(issuer), forgotten, name=name)).status_code == 201
    await age_key(db, forgotten, timedelta(hours=25))
    assert len(await records(db, forgotten)) == 1

    async with probe_client(infra, probe_url, issuer) as client:  # a new process purges
        await create(client, as_caller(issuer), unique("key"), name=unique("thing"))

    assert after_expiry.status_code == 201
    assert "idempotent-replayed" not in after_expiry.headers
    assert after_expiry.json()["id"] != first.json()["id"]
    assert await records(db, forgotten) == []
    assert len(await records(db, key)) == 1  # taken over a day later: still fresh
    assert await effect_count(db, name) == 3


async def test_bad_keys_get_422(infra: Infrastructure, probe_url: str, db: Database,
                                issuer: TokenIssuer) -> None:
    name = unique("thing")
    body = json.dumps({"name": name}).encode()
    bad_keys: list[list[tuple[str, bytes]]] = [
        [("Idempotency-Key", b"")], [("Idempotency-Key", b"k" * 201)],
        [("Idempotency-Key", "clé".encode())], [("Idempotency-Key", b"a\tb")],
        [("Idempotency-Key", b"one"), ("Idempotency-Key", b"two")]]
    async with probe_client(infra, probe_url, issuer) as client:
        for keys in bad_keys:
            headers = [*as_caller(issuer).items(), ("content-type", "application/json"), *keys]
            response = await client.post(THINGS, content=body, headers=headers)
            assert response.status_code == 422, keys
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["code"] == "invalid_idempotency_key"
        longest = await create(client, as_caller(issuer), "k" * 200, name=name)
    assert longest.status_code == 201
    assert await effect_count(db, name) == 1


async def test_database_down_gives_503_not_500(infra: Infrastructure,
                                               issuer: TokenIssuer) -> None:
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone"
    async with probe_client(infra, nowhere, issuer) as client:
        response = await create(client, as_caller(issuer), unique("key"), name="down")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["retry-after"] == "2"
