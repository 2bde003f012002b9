from __future__ import annotations

from jxc.platform.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    service_name: str = "identity"
    http_port: int = 8101
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/identity"

    admin_username: str = "admin"
    admin_password: str = "admin"  # noqa: S105 - the documented dev default; prod refuses it
    """Password of the bootstrap admin created on first start; prod refuses the default."""
    access_token_seconds: int = 900
    refresh_token_days: int = 14

    def secret_values(self) -> dict[str, str]:
        return {**super().secret_values(), "admin_password": self.admin_password}
