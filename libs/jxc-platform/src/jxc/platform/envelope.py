"""CloudEvents 1.0 in Kafka binary mode: the headers every message carries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import uuid6
from opentelemetry import propagate

from jxc.contracts.base import Message

CE_SPECVERSION = "1.0"


def new_id() -> uuid.UUID:
    """UUIDv7: time-ordered, so ids sort roughly by creation."""
    return uuid.UUID(str(uuid6.uuid7()))


@dataclass(frozen=True)
class Envelope:
    """What a consumer knows about a message besides its body."""

    id: str
    type: str
    source: str
    subject: str
    time: str
    correlation_id: str | None = None
    causation_id: str | None = None
    branch: str | None = None
    topic: str = ""
    partition: int = -1
    offset: int = -1
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], topic: str = "", partition: int = -1,
                     offset: int = -1) -> Envelope:
        return cls(
            id=headers.get("ce_id", ""),
            type=headers.get("ce_type", ""),
            source=headers.get("ce_source", ""),
            subject=headers.get("ce_subject", ""),
            time=headers.get("ce_time", ""),
            correlation_id=headers.get("jxc_correlation_id"),
            causation_id=headers.get("jxc_causation_id"),
            branch=headers.get("jxc_branch"),
            topic=topic,
            partition=partition,
            offset=offset,
            headers=dict(headers),
        )


def build_headers(
    message: Message,
    *,
    event_id: uuid.UUID,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    branch: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    headers = {
        "ce_specversion": CE_SPECVERSION,
        "ce_id": str(event_id),
        "ce_type": message.type_name,
        "ce_source": message.source,
        "ce_time": datetime.now(UTC).isoformat(),
        "ce_subject": message.subject(),
        "content-type": "application/json",
    }
    if correlation_id:
        headers["jxc_correlation_id"] = correlation_id
    if causation_id:
        headers["jxc_causation_id"] = causation_id
    if branch:
        headers["jxc_branch"] = branch
    propagate.inject(headers)
    if extra:
        headers.update(extra)
    return headers


def decode_headers(raw: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    return {k: v.decode("utf-8", "replace") for k, v in raw}


def encode_headers(headers: Mapping[str, str]) -> list[tuple[str, bytes]]:
    return [(k, v.encode()) for k, v in headers.items()]
