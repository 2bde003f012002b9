from __future__ import annotations

from pydantic import Field

from jxc.identity.domain.lockout import LockoutPolicy
from jxc.identity.domain.passwords import HashParameters
from jxc.platform.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    service_name: str = "identity"
    http_port: int = 8101
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/identity"

    admin_username: str = "admin"
    admin_password: str = "admin"  # noqa: S105 - the documented dev default; prod refuses it
    """Password of the bootstrap admin created on first start; prod refuses the default."""
    access_token_seconds: int = Field(default=900, ge=1, le=86400)
    refresh_token_days: int = Field(default=14, ge=1)
    key_retire_margin_seconds: int = Field(default=300, ge=0)
    """A rotated-out signing key stays published this long after the last
    token it signed can have expired (clock skew, caches)."""

    lockout_threshold: int = Field(default=5, ge=1)
    """Consecutive failed logins (wrong password or one-time code) that lock an account."""
    lockout_minutes: int = Field(default=15, ge=1)
    """How long a lock lasts, and how long a failure counts towards one."""
    lockout_key_prefix: str = Field(default="jxc:identity", min_length=1)
    """Prefix of the Redis keys, for deployments that share one Redis."""

    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19456, ge=8)
    argon2_parallelism: int = Field(default=1, ge=1)

    mfa_issuer: str = "JXC"
    """The issuer name authenticator apps show next to the account."""

    def secret_values(self) -> dict[str, str]:
        return {**super().secret_values(), "admin_password": self.admin_password}

    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(self.lockout_threshold, self.lockout_minutes * 60)

    def hash_parameters(self) -> HashParameters:
        return HashParameters(self.argon2_time_cost, self.argon2_memory_kib,
                              self.argon2_parallelism)
