"""The audit trail's hash chain: each record's hash covers the previous
record's hash and the record's own canonical JSON, so changing, removing or
reordering a record breaks every link after it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

CHAINED_FIELDS = ("seq", "record_id", "source_service", "occurred_at", "actor_id",
                  "actor_name", "actor_kind", "action", "resource", "outcome", "status_code",
                  "ip", "user_agent", "request_id", "trace_id", "detail")
"""What the hash covers: everything but the hashes themselves and the
server's own ``recorded_at``."""


def plain(value: Any) -> Any:
    """``value`` as JSON types, times as UTC ISO 8601 with microseconds."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def canonical_json(record: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 as is, times as UTC ISO 8601 with
    microseconds: the same record always gives the same text."""
    fields = {name: plain(record.get(name)) for name in CHAINED_FIELDS}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def chain_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(record)).encode()).hexdigest()


@dataclass
class ChainCheck:
    checked: int = 0
    first_broken_seq: int | None = None
    last_hash: str = GENESIS

    @property
    def valid(self) -> bool:
        return self.first_broken_seq is None

    def feed(self, records: Iterable[Mapping[str, Any]]) -> ChainCheck:
        """Check the next records of the chain, oldest first; stops counting
        at the first broken link."""
        for record in records:
            if self.first_broken_seq is not None:
                return self
            self.checked += 1
            expected = chain_hash(self.last_hash, record)
            if record["prev_hash"] != self.last_hash or record["hash"] != expected:
                self.first_broken_seq = int(record["seq"])
                return self
            self.last_hash = str(record["hash"])
        return self
