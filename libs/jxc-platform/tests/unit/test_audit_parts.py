"""The audit trail's parts: where a request came from, how a status reads,
what of a response is kept, and what happens to records that cannot be written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from prometheus_client import REGISTRY

from jxc.contracts.audit import AuditRecorded
from jxc.platform.audit import NOTES_KEY, ResponseSeen, _notes, client_ip, outcome_of
from jxc.platform.audit_writer import AuditWriter
from jxc.platform.db import Database
from jxc.platform.envelope import new_id
from jxc.platform.testing import unique


def scope(peer: str | None, *forwarded: str) -> dict[str, Any]:
    return {"type": "http", "client": (peer, 50000) if peer else None,
            "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded]}


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("198.51.100.9", (), "198.51.100.9"),
    # From inside the deployment (the gateway): the address the gateway appended.
    ("10.2.0.7", ("203.0.113.7",), "203.0.113.7"),
    ("127.0.0.1", ("203.0.113.7",), "203.0.113.7"),
    # The client's own X-Forwarded-For comes first and is not believed.
    ("10.2.0.7", ("192.0.2.66, 203.0.113.7",), "203.0.113.7"),
    ("10.2.0.7", ("192.0.2.66", "203.0.113.7"), "203.0.113.7"),
    # Straight from outside, the header is whatever the caller wrote.
    ("198.51.100.9", ("192.0.2.66",), "198.51.100.9"),
    # Junk in the header: the peer.
    ("10.2.0.7", ("not-an-address",), "10.2.0.7"),
    ("10.2.0.7", (" , ",), "10.2.0.7"),
    (None, (), ""),
])
def test_client_ip(peer: str | None, forwarded: tuple[str, ...], expected: str) -> None:
    assert client_ip(scope(peer, *forwarded)) == expected


@pytest.mark.parametrize(("status", "outcome"), [
    (200, "success"), (201, "success"), (204, "success"), (303, "success"),
    (401, "denied"), (403, "denied"), (404, "failed"), (409, "failed"), (422, "failed"),
    (429, "failed"), (500, "error"), (503, "error"),
])
def test_outcome_of(status: int, outcome: str) -> None:
    assert outcome_of(status) == outcome


def test_only_a_small_problem_body_is_read() -> None:
    def seen(*chunks: bytes) -> ResponseSeen:
        response = ResponseSeen()
        response.observe({"type": "http.response.start", "status": 403, "headers": [
            (b"content-type", b"application/problem+json"), (b"idempotent-replayed", b"true")]})
        for n, chunk in enumerate(chunks):
            response.observe({"type": "http.response.body", "body": chunk,
                              "more_body": n < len(chunks) - 1})
        return response

    body = b'{"code": "forbidden", "missing": ["a:b"], "detail": "no"}'
    assert seen(body[:10], body[10:]).detail() == {
        "idempotent_replay": True, "problem_code": "forbidden", "missing": ["a:b"]}
    assert seen(b"x" * 9000).detail() == {"idempotent_replay": True}
    assert seen(b"not json").detail() == {"idempotent_replay": True}


def test_route_notes_are_kept_as_plain_json_and_only_when_small() -> None:
    def notes(**detail: Any) -> dict[str, Any]:
        return _notes({"path": "/api/v1/x", "state": {NOTES_KEY: detail}})

    assert notes(before={"price": Decimal("12.5000")}, after={"price": Decimal("13.0000")}) == {
        "before": {"price": "12.5000"}, "after": {"price": "13.0000"}}
    assert notes(after="x" * 5000) == {"notes_dropped": True}
    assert notes() == {}


def _lost(service: str) -> float:
    return REGISTRY.get_sample_value("jxc_audit_write_failures_total",
                                     {"service": service}) or 0.0


async def test_records_the_writer_cannot_keep_are_counted_as_lost() -> None:
    service = unique("audited")
    writer = AuditWriter(Database("postgresql+asyncpg://postgres@127.0.0.1:1/never"), service,
                         capacity=1)

    def record(n: int) -> AuditRecorded:
        return AuditRecorded(record_id=new_id(), source_service=service,
                             occurred_at=datetime.now(UTC), action=f"POST /api/v1/x/{n}")

    writer.submit(record(1))
    writer.submit(record(2))  # the queue is full: lost at once
    assert _lost(service) == 1
    await writer.close()  # never started: what is still queued is lost too
    assert _lost(service) == 2
    await writer.db.dispose()
