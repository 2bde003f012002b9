"""The Kafka bus: FastStream broker, topic set-up and consumers that commit
offsets only after their database transaction (DESIGN.md §4)."""

from jxc.platform.bus.broker import BusSupervisor, ensure_topics, make_broker
from jxc.platform.bus.consumer import ConsumerRuntime, EventConsumer, Handler

__all__ = ["BusSupervisor", "ConsumerRuntime", "EventConsumer", "Handler", "ensure_topics",
           "make_broker"]
