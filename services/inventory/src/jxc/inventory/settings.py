from __future__ import annotations

from jxc.platform.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    service_name: str = "inventory"
    http_port: int = 8102
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/inventory"
