from __future__ import annotations

from jxc.platform.settings import ServiceSettings


class SupplierSettings(ServiceSettings):
    service_name: str = "supplier"
    http_port: int = 8107
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/supplier"
