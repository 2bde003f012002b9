"""Service settings from the environment (prefix ``JXC_``).

Every service subclasses :class:`ServiceSettings`. In ``prod`` the settings
refuse development defaults for secrets, so a forgotten variable stops the
service instead of shipping a known password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["dev", "test", "prod"]

DEV_SECRET_MARKERS = ("changeme", "dev-only", "postgres:postgres@")
DEV_SECRET_VALUES = frozenset({"", "admin", "password", "secret", "changeme"})


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JXC_", extra="ignore", frozen=True)

    env: Environment = "dev"
    service_name: str = "service"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    database_pool_size: int = 10
    database_connect_timeout_seconds: float = 2.0
    database_pool_timeout_seconds: float = 10.0
    """How long a request waits for a free connection before a 503 (busy, not down)."""

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_idempotent_producer: bool = False
    kafka_fetch_max_wait_ms: int = 20
    consumer_max_attempts: int = 4
    consumer_retry_backoff_seconds: tuple[float, ...] = (1.0, 5.0, 30.0)

    redis_url: str = "redis://127.0.0.1:6379/0"

    jwt_issuer: str = "jxc"
    jwt_audience: str = "jxc"
    jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"
    jwks_cache_seconds: int = 300

    migrations_dir: Path | None = None
    """Where this service's Alembic scripts are, when not next to its source (images)."""

    otlp_endpoint: str | None = None
    log_level: str = "INFO"

    outbox_poll_seconds: float = 1.0
    outbox_batch_size: int = 500
    saga_tick_seconds: float = 1.0
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    """How long a POST's ``Idempotency-Key`` and its stored response are kept."""
    audit_enabled: bool = True
    """Record every mutating API request as an audit event (jxc.platform.audit)."""

    smtp_host: str | None = None
    """Outgoing mail server (jxc.platform.mail); unset: sending mail answers 503."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "jxc@localhost"
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    extra_secrets: dict[str, str] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_prod(self) -> ServiceSettings:
        if self.env != "prod":
            return self
        for name, value in self.secret_values().items():
            if value in DEV_SECRET_VALUES or any(marker in value for marker in DEV_SECRET_MARKERS):
                raise ValueError(f"JXC_{name.upper()} holds a development secret; set a real one")
        return self

    def secret_values(self) -> dict[str, str]:
        """Values that must never carry development defaults in prod."""
        values = {"database_url": self.database_url, **self.extra_secrets}
        if self.smtp_password is not None:
            values["smtp_password"] = self.smtp_password.get_secret_value()
        return values
