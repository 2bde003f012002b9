from __future__ import annotations

from jxc.platform.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    http_port: int = 8108
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/reporting"
