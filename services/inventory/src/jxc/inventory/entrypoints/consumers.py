"""Inventory's consumer group. It reads the saga commands addressed to
inventory; their handlers (ReserveStock, ReleaseReservation, IssueReservedStock)
arrive with the stock ledger."""

from __future__ import annotations

from jxc.contracts import topics
from jxc.platform.bus import EventConsumer

commands = EventConsumer("inventory.commands", [topics.INVENTORY_COMMANDS])
