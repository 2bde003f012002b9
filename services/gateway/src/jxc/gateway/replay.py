"""``Idempotency-Key`` replays answered at the edge, from Redis.

The services keep every key and its response in their own database
(:mod:`jxc.platform.idempotency`); this is a layer in front of them, so that a
retried POST is answered without reaching the service at all. For a POST with a
valid key from an authenticated caller, the record lives under
``sha256(sub, key)`` for the idempotency TTL (24 h) and holds the request's
fingerprint (method, path, query and a hash of the body) and the first
response: status, the headers that describe it, and the body.

- The first request streams through; its body is hashed on the way and its
  response is teed into the record as it streams back, kept only when it is
  complete, at most ``idempotency_max_body_bytes``, a 2xx–4xx other than 408
  and 429, carries no ``Retry-After`` (such as the service's 409
  ``request_in_progress``) and is not ``Cache-Control: no-store``.
- A retry with a record: its body is read (counted, not kept) and hashed; the
  same fingerprint gets the recorded response with ``Idempotent-Replayed:
  true``, a different one 422 ``idempotency_key_reused``.
- Two first requests racing both reach the service, whose own store decides;
  the first complete response wins the record (``SET NX``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import httpx
from redis.asyncio import Redis
from starlette.responses import Response

from jxc.gateway.metrics import IDEMPOTENCY
from jxc.gateway.redis_guard import RedisGuard
from jxc.platform.errors import Problem
from jxc.platform.idempotency import valid_key

PREFIX = "jxc:gw:idem:"
KEPT_HEADERS = frozenset({"content-type", "content-encoding", "content-language", "location",
                          "etag", "last-modified", "cache-control", "link"})
NOT_KEPT_STATUSES = frozenset({408, 429})


class IdempotencyKeyReused(Problem):
    status, code, title = 422, "idempotency_key_reused", "Idempotency-Key already used"


@dataclass(frozen=True)
class Recorded:
    fingerprint: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def encode(self) -> bytes:
        head = json.dumps({"fp": self.fingerprint, "status": self.status,
                           "headers": self.headers}, separators=(",", ":"))
        return head.encode() + b"\n" + self.body

    @classmethod
    def decode(cls, raw: bytes) -> Recorded:
        head, _, body = raw.partition(b"\n")
        meta: dict[str, Any] = json.loads(head)
        return cls(str(meta["fp"]), int(meta["status"]),
                   [(str(k), str(v)) for k, v in meta["headers"]], body)

    def response(self) -> Response:
        response = Response(self.body, status_code=self.status)
        response.raw_headers = [(k.encode("latin-1"), v.encode("latin-1"))
                                for k, v in self.headers]
        response.raw_headers += [(b"content-length", str(len(self.body)).encode()),
                                 (b"idempotent-replayed", b"true")]
        return response


def idempotency_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The request's Idempotency-Key when it is one the services accept."""
    return valid_key([v for k, v in headers if k == b"idempotency-key"])


def fingerprint_start(method: str, path: str, query: bytes) -> Any:
    digest = hashlib.sha256(f"{method} {path}".encode())
    digest.update(b"\0")
    digest.update(query)
    digest.update(b"\0")
    return digest


def keepable(status: int, headers: httpx.Headers) -> bool:
    if not 200 <= status < 500 or status in NOT_KEPT_STATUSES:
        return False
    if "retry-after" in headers:
        return False
    return "no-store" not in headers.get("cache-control", "").lower()


def kept_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k.lower(), v) for k, v in headers if k.lower() in KEPT_HEADERS]


class ReplayStore:
    def __init__(self, guard: RedisGuard, ttl_seconds: int, max_body: int):
        self.guard = guard
        self.ttl_seconds = ttl_seconds
        self.max_body = max_body

    @staticmethod
    def redis_key(subject: str, key: str) -> str:
        digest = hashlib.sha256(subject.encode() + b"\n" + key.encode()).hexdigest()
        return PREFIX + digest

    async def get(self, subject: str, key: str) -> Recorded | None:
        async def load(client: Redis) -> bytes | str | None:
            return await client.get(self.redis_key(subject, key))
        raw = await self.guard.run("idempotency", load)
        if raw is None:
            return None
        return Recorded.decode(raw.encode() if isinstance(raw, str) else raw)

    async def put(self, subject: str, key: str, record: Recorded) -> None:
        async def store(client: Redis) -> bool:
            return bool(await client.set(self.redis_key(subject, key), record.encode(),
                                         nx=True, ex=self.ttl_seconds))
        if await self.guard.run("idempotency", store):
            IDEMPOTENCY.labels("stored").inc()
