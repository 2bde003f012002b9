"""supplier's consumer group: deliveries and returns from procurement's events
feed each supplier's scorecard; its handlers arrive with purchase receipts."""

from __future__ import annotations

from jxc.contracts import topics
from jxc.platform.bus import EventConsumer

deliveries = EventConsumer("supplier.deliveries", [topics.PROCUREMENT_EVENTS])
