from __future__ import annotations

from pydantic import Field

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


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = 8000
    upstreams: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_UPSTREAMS))
    """Service name → base URL (JXC_UPSTREAMS as a JSON object)."""
    upstream_timeout_seconds: float = 30.0
    public_routes: tuple[str, ...] = ("POST /api/v1/identity/token",)

    def secret_values(self) -> dict[str, str]:
        return {}
