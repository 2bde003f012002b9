"""Async SQLModel sessions over asyncpg, and Alembic helpers."""

from jxc.platform.db.engine import Database
from jxc.platform.db.migrations import current_revision, head_revision, upgrade_to_head
from jxc.platform.db.tables import platform_metadata

__all__ = ["Database", "current_revision", "head_revision", "platform_metadata", "upgrade_to_head"]
