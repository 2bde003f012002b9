"""Redis for the gateway, failing open.

Rate limits and the Idempotency-Key replay store protect the system; they
must not take it down. When Redis does not answer (within a short timeout) the
request goes on without it, a warning is logged and
``jxc_gateway_redis_fail_open_total`` counts it; for the next few seconds the
gateway does not even try, so a dead Redis adds no latency.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from jxc.gateway.metrics import REDIS_FAIL_OPEN

T = TypeVar("T")
log = logging.getLogger("jxc.gateway.redis")


class RedisGuard:
    def __init__(self, url: str, timeout: float, pause_seconds: float):
        self.client: Redis = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1), max_connections=200)
        self.pause_seconds = pause_seconds
        self._paused_until = 0.0

    async def run(self, operation: str, work: Callable[[Redis], Awaitable[T]]) -> T | None:
        """``work(client)``, or None when Redis is unavailable."""
        if time.monotonic() < self._paused_until:
            REDIS_FAIL_OPEN.labels(operation).inc()
            return None
        try:
            return await work(self.client)
        except (TimeoutError, RedisError, OSError) as exc:
            self._paused_until = time.monotonic() + self.pause_seconds
            REDIS_FAIL_OPEN.labels(operation).inc()
            log.warning("Redis unavailable (%s: %s); %s skipped, failing open for %.0f s",
                        type(exc).__name__, exc, operation, self.pause_seconds)
            return None

    async def close(self) -> None:
        await self.client.aclose()
