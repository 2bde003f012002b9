"""Consecutive failed logins per username, and locks, in Redis: shared by
every identity replica and gone by themselves when they expire."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from jxc.identity.domain.lockout import DEFAULT_PREFIX, LockoutPolicy, failures_key, lock_key
from jxc.platform.errors import ServiceUnavailable

log = logging.getLogger("jxc.identity.lockout")


@dataclass(frozen=True)
class Failure:
    consecutive: int
    locked_for: int | None
    """Seconds the account is now locked for, when this failure locked it."""


class LockoutStore:
    """Fails closed: without Redis no password is checked (503), so an
    outage cannot be used to guess passwords without limit."""

    def __init__(self, redis_url: str, policy: LockoutPolicy, prefix: str = DEFAULT_PREFIX):
        self.redis_url = redis_url
        self.policy = policy
        self.prefix = prefix

    @asynccontextmanager
    async def _redis(self) -> AsyncIterator[Redis]:
        # A connection per login: a login costs an Argon2 hash (~17 ms of CPU),
        # a loopback connect is noise next to it, and nothing outlives the request.
        client = Redis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            yield client
        except RedisError as exc:
            log.warning("lockout store unavailable: %s", exc)
            raise ServiceUnavailable("the login lockout store is unavailable; retry shortly",
                                     headers={"Retry-After": "2"}) from exc
        finally:
            await client.aclose()

    async def locked_for(self, username: str) -> int | None:
        """Seconds left on the account's lock; None when it is not locked."""
        async with self._redis() as redis:
            ttl = int(await redis.pttl(lock_key(username, self.prefix)))
        if ttl == -1:  # a lock without expiry cannot be made here; treat as a full lock
            return self.policy.lock_seconds
        return None if ttl < 0 else max((ttl + 999) // 1000, 1)

    async def failed(self, username: str) -> Failure:
        async with self._redis() as redis:
            key = failures_key(username, self.prefix)
            async with redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, self.policy.window_seconds)
                count = int((await pipe.execute())[0])
            if not self.policy.locks_after(count):
                return Failure(count, None)
            async with redis.pipeline(transaction=True) as pipe:
                pipe.set(lock_key(username, self.prefix), "1", ex=self.policy.lock_seconds)
                pipe.delete(key)
                await pipe.execute()
            return Failure(count, self.policy.lock_seconds)

    async def succeeded(self, username: str) -> None:
        async with self._redis() as redis:
            await redis.delete(failures_key(username, self.prefix))

    async def clear(self, username: str) -> None:
        """Forget failures and lift a lock (an admin reset the password)."""
        async with self._redis() as redis:
            await redis.delete(failures_key(username, self.prefix), lock_key(username, self.prefix))
