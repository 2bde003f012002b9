"""The audit hash chain: canonical JSON, links, and finding the first change."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from jxc.identity.domain.audit_chain import GENESIS, ChainCheck, canonical_json, chain_hash


def record(seq: int, **fields: Any) -> dict[str, Any]:
    return {"seq": seq, "record_id": uuid.UUID(int=seq), "source_service": "inventory",
            "occurred_at": datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC), "actor_id": "u1",
            "actor_name": "张三", "actor_kind": "user", "action": "POST /api/v1/inventory/moves",
            "resource": "/api/v1/inventory/moves", "outcome": "success", "status_code": 201,
            "ip": "10.0.0.1", "user_agent": "curl", "request_id": "r1", "trace_id": "",
            "detail": {"b": 1, "a": [1.5, None, "x"]}, **fields}


def chain(count: int) -> list[dict[str, Any]]:
    records, prev = [], GENESIS
    for seq in range(1, count + 1):
        item = record(seq)
        item["prev_hash"], item["hash"] = prev, chain_hash(prev, item)
        prev = item["hash"]
        records.append(item)
    return records


def test_canonical_json_is_stable() -> None:
    text = canonical_json(record(1))
    assert text == canonical_json(dict(reversed(list(record(1).items()))))
    assert '"actor_name":"张三"' in text
    assert '"occurred_at":"2026-01-02T03:04:05.006000+00:00"' in text
    assert '"detail":{"a":[1.5,null,"x"],"b":1}' in text
    # the same instant in another zone is the same record
    shanghai = timezone(timedelta(hours=8))
    moved = record(1, occurred_at=datetime(2026, 1, 2, 11, 4, 5, 6000, tzinfo=shanghai))
    assert canonical_json(moved) == text


def test_hash_covers_the_previous_hash_and_the_record() -> None:
    item = record(1)
    expected = hashlib.sha256((GENESIS + canonical_json(item)).encode()).hexdigest()
    assert chain_hash(GENESIS, item) == expected
    assert chain_hash("1" * 64, item) != expected
    assert chain_hash(GENESIS, record(1, outcome="failed")) != expected


def test_an_intact_chain_verifies() -> None:
    check = ChainCheck().feed(chain(5))
    assert check.valid and check.checked == 5 and check.first_broken_seq is None


def test_verification_can_go_in_chunks() -> None:
    records = chain(6)
    check = ChainCheck().feed(records[:3]).feed(records[3:])
    assert check.valid and check.checked == 6


def test_an_edited_record_is_found() -> None:
    records = chain(5)
    records[2]["actor_name"] = "mallory"
    check = ChainCheck().feed(records)
    assert not check.valid and check.first_broken_seq == 3 and check.checked == 3


def test_a_removed_record_is_found() -> None:
    records = chain(5)
    del records[1]
    assert ChainCheck().feed(records).first_broken_seq == 3


def test_a_rehashed_record_still_breaks_the_next_link() -> None:
    records = chain(4)
    records[1]["actor_name"] = "mallory"
    records[1]["hash"] = chain_hash(records[1]["prev_hash"], records[1])
    assert ChainCheck().feed(records).first_broken_seq == 3
