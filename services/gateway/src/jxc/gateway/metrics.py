"""The gateway's own Prometheus metrics (besides the platform's RED metrics)."""

from __future__ import annotations

from prometheus_client import Counter

RATE_LIMITED = Counter("jxc_gateway_rate_limited", "Requests refused with 429", ["bucket"])
REDIS_FAIL_OPEN = Counter(
    "jxc_gateway_redis_fail_open",
    "Requests served without a Redis check (Redis unreachable: rate limit or "
    "idempotency store skipped)", ["operation"])
IDEMPOTENCY = Counter(
    "jxc_gateway_idempotency", "Idempotency-Key handling at the edge", ["outcome"])
API_KEY_EXCHANGES = Counter(
    "jxc_gateway_api_key_exchanges", "API keys exchanged for access tokens at identity",
    ["outcome"])
