"""Token-bucket rate limits in Redis, per principal and per client IP.

One Lua script checks every bucket a request draws from and takes a token from
each only when all of them have one, atomically and in one round trip; it uses
Redis's clock, so every gateway replica shares the same buckets. A refused
request gets 429 ``rate_limited`` with ``Retry-After`` (whole seconds, at least
1); every answer carries ``RateLimit-Limit``/``RateLimit-Remaining`` of the
tightest bucket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from jxc.gateway.metrics import RATE_LIMITED
from jxc.gateway.redis_guard import RedisGuard
from jxc.gateway.settings import Rate
from jxc.platform.errors import Problem

PREFIX = "jxc:gw:rl:"

# KEYS: the buckets. ARGV: per bucket its rate (tokens/s) and burst, then the cost.
# Returns {allowed (0/1), ms until the refused buckets refill enough, level per bucket}.
BUCKET_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local cost = tonumber(ARGV[2 * n + 1])
local levels = {}
local allowed = 1
local wait = 0
for i = 1, n do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', KEYS[i], 'level', 'at')
  local level = tonumber(state[1])
  local at = tonumber(state[2])
  if level == nil or at == nil then
    level = burst
  else
    level = math.min(burst, level + math.max(0, now - at) * rate / 1000)
  end
  levels[i] = level
  if level < cost then
    allowed = 0
    wait = math.max(wait, math.ceil((cost - level) * 1000 / rate))
  end
end
local result = {allowed, wait}
for i = 1, n do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local level = levels[i]
  if allowed == 1 then level = level - cost end
  redis.call('HSET', KEYS[i], 'level', string.format('%.6f', level), 'at', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - level) * 1000 / rate) + 1000)
  result[i + 2] = string.format('%.6f', level)
end
return result
"""


@dataclass(frozen=True)
class Bucket:
    name: str
    """What it limits (``ip``, ``login``, a tier): the metric's label."""
    subject: str
    rate: Rate

    @property
    def key(self) -> str:
        return f"{PREFIX}{self.name}:{self.subject}"


class RateLimited(Problem):
    status, code, title = 429, "rate_limited", "Too many requests"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int
    limit: int
    remaining: int
    refused_by: str | None

    def headers(self) -> dict[str, str]:
        return {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining)}


class RateLimiter:
    def __init__(self, guard: RedisGuard, enabled: bool = True):
        self.guard = guard
        self.enabled = enabled
        self._script = guard.client.register_script(BUCKET_SCRIPT)

    async def check(self, buckets: list[Bucket], cost: int = 1) -> Verdict | None:
        """Take ``cost`` tokens from every bucket, or none; None when not limiting."""
        if not self.enabled or not buckets:
            return None

        async def run(_client: Redis) -> Any:
            args: list[float | int] = []
            for bucket in buckets:
                args += [bucket.rate.per_second, bucket.rate.burst]
            return await self._script(keys=[b.key for b in buckets], args=[*args, cost])

        result = await self.guard.run("rate_limit", run)
        if result is None:
            return None
        allowed, wait_ms = int(result[0]), int(result[1])
        levels = [float(v) for v in result[2:]]
        tightest = min(range(len(buckets)), key=lambda i: levels[i] / buckets[i].rate.burst)
        refused_by = None
        if not allowed:
            refused_by = next(b.name for b, level in zip(buckets, levels, strict=True)
                              if level < cost)
        return Verdict(allowed=bool(allowed), retry_after=max(1, math.ceil(wait_ms / 1000)),
                       limit=buckets[tightest].rate.burst,
                       remaining=max(0, math.floor(levels[tightest])), refused_by=refused_by)

    async def enforce(self, buckets: list[Bucket]) -> dict[str, str]:
        """The RateLimit headers for the answer; raises 429 when a bucket is empty."""
        verdict = await self.check(buckets)
        if verdict is None:
            return {}
        if not verdict.allowed:
            RATE_LIMITED.labels(verdict.refused_by or "").inc()
            raise RateLimited(
                f"Too many requests ({verdict.refused_by}); retry in {verdict.retry_after} s.",
                headers={**verdict.headers(), "RateLimit-Remaining": "0",
                         "Retry-After": str(verdict.retry_after)})
        return verdict.headers()
