"""Identity's consumer group: the warehouse directory that data scopes are
assigned from, kept from inventory's events."""

from __future__ import annotations

from jxc.contracts import topics
from jxc.platform.bus import EventConsumer

directory = EventConsumer("identity.directory", [topics.INVENTORY_EVENTS])
