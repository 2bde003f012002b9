from __future__ import annotations

from jxc.platform.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    service_name: str = "inventory"
    http_port: int = 8102
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/inventory"
    expiry_warning_days: int = 30
    """Lots expiring within this many days raise an expiry alert."""
    watch_interval_seconds: float = 60.0
    """How often the worker looks for expiring lots and overdue transfers."""
