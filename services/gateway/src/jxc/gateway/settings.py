"""The gateway's settings (``JXC_`` environment variables; maps and lists as JSON)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator, model_validator

from jxc.platform.settings import ServiceSettings

DEFAULT_UPSTREAMS = {
    "identity": "http://127.0.0.1:8101",
    "inventory": "http://127.0.0.1:8102",
    "procurement": "http://127.0.0.1:8103",
    "sales": "http://127.0.0.1:8104",
    "finance": "http://127.0.0.1:8105",
    "crm": "http://127.0.0.1:8106",
    "supplier": "http://127.0.0.1:8107",
    "reporting": "http://127.0.0.1:8108",
}
MIB = 1024 * 1024
IMPORTS = ("/api/v1/inventory/products/import", "/api/v1/inventory/opening-stock/import")
DEFAULT_TIMEOUTS = {"/": 10.0, "/api/v1/reporting": 30.0, **dict.fromkeys(IMPORTS, 120.0)}
DEFAULT_BODY_LIMITS = {"/": 10 * MIB, **dict.fromkeys(IMPORTS, 20 * MIB)}
DEV_CORS_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000",
                    "http://localhost:5173", "http://127.0.0.1:5173",
                    "http://localhost:3000", "http://127.0.0.1:3000")


class Rate(BaseModel):
    """A token bucket: ``burst`` requests at once, refilled at ``per_second``."""

    per_second: float = Field(gt=0)
    burst: int = Field(ge=1)


IP_BUCKETS = ("ip", "login")
DEFAULT_RATE_LIMITS = {
    # per principal (the token's ``sub``), by the token's ``rate_tier`` claim
    "standard": Rate(per_second=20, burst=60),
    "premium": Rate(per_second=100, burst=300),
    # per client IP: every request, and (stricter) everything that checks a
    # password or an API key at identity — the token endpoint, API-key exchanges
    "ip": Rate(per_second=50, burst=150),
    "login": Rate(per_second=1, burst=10),
}


def longest_prefix(table: dict[str, float] | dict[str, int], path: str) -> float:
    """The value of the longest prefix of ``path`` (whole path segments) in ``table``."""
    best, value = -1, None
    for prefix, candidate in table.items():
        bare = prefix.rstrip("/")
        if (not bare or path == bare or path.startswith(bare + "/")) and len(bare) > best:
            best, value = len(bare), candidate
    if value is None:
        raise KeyError(path)
    return float(value)


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = 8000
    upstreams: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_UPSTREAMS))
    """Service name → base URL (JXC_UPSTREAMS as a JSON object)."""
    public_routes: tuple[str, ...] = ("POST /api/v1/identity/token",)
    forwarded_allow_ips: str = "127.0.0.1,::1"
    """Proxies whose X-Forwarded-For/-Proto are believed (uvicorn's list; "*" for all)."""

    gateway_timeouts: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_TIMEOUTS))
    """Path prefix → upstream timeout in seconds; the longest matching prefix wins."""
    gateway_body_limits: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_BODY_LIMITS))
    """Path prefix → largest request body in bytes (else 413)."""
    upstream_connect_timeout_seconds: float = 3.0
    upstream_max_connections: int = Field(default=200, ge=1)
    upstream_max_keepalive_connections: int = Field(default=50, ge=0)
    upstream_keepalive_expiry_seconds: float = 4.0
    """Below the services' uvicorn keep-alive (5 s), so a pooled connection is
    never reused just as the service closes it."""

    rate_limit_enabled: bool = True
    rate_limits: dict[str, Rate] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    """Buckets ``standard``/``premium`` (per principal, by its ``rate_tier``
    claim), ``ip`` and ``login`` (per client IP); JXC_RATE_LIMITS replaces the map."""
    rate_limit_default_tier: str = "standard"
    redis_timeout_seconds: float = 0.5
    redis_retry_after_failure_seconds: float = 5.0
    """After Redis fails, the gateway runs without it (fails open) this long
    before trying again, so a dead Redis costs no latency."""

    idempotency_max_body_bytes: int = MIB
    """Responses up to this size are kept for Idempotency-Key replays at the edge."""

    api_key_cache_size: int = Field(default=1024, ge=0)
    """Access tokens obtained for API keys, kept until 30 s before they expire."""
    api_key_exchange_path: str = "/api/v1/identity/token"

    cors_origins: tuple[str, ...] | None = None
    """Origins allowed by CORS; unset means the localhost ports in dev, none otherwise."""
    hsts_seconds: int = 31_536_000

    @field_validator("gateway_timeouts", "gateway_body_limits")
    @classmethod
    def _has_default(cls, table: dict[str, float]) -> dict[str, float]:
        if not any(prefix.rstrip("/") == "" for prefix in table):
            raise ValueError('needs a "/" entry, the default for every path')
        if any(value <= 0 for value in table.values()):
            raise ValueError("every value must be positive")
        return table

    @model_validator(mode="after")
    def _has_buckets(self) -> GatewaySettings:
        missing = {*IP_BUCKETS, self.rate_limit_default_tier} - set(self.rate_limits)
        if missing:
            raise ValueError(f"JXC_RATE_LIMITS lacks bucket(s) {', '.join(sorted(missing))}")
        return self

    def timeout_for(self, path: str) -> float:
        return longest_prefix(self.gateway_timeouts, path)

    def body_limit_for(self, path: str) -> int:
        return int(longest_prefix(self.gateway_body_limits, path))

    def allowed_origins(self) -> tuple[str, ...]:
        if self.cors_origins is not None:
            return self.cors_origins
        return DEV_CORS_ORIGINS if self.env == "dev" else ()

    def tier(self, claim: object) -> str:
        """The principal bucket for a token's ``rate_tier`` claim (unknown: the default)."""
        if isinstance(claim, str) and claim in self.rate_limits and claim not in IP_BUCKETS:
            return claim
        return self.rate_limit_default_tier

    def secret_values(self) -> dict[str, str]:
        return {}
