"""Topic names and their partition counts, fixed up front (DESIGN.md §5).

Each service announces facts on ``<service>.events.v1``, receives saga steps on
``<service>.commands.v1`` and answers an orchestrator on its own
``<service>.replies.v1``. Every topic has ``.retry`` and ``.dlq`` companions.
"""

from __future__ import annotations

SERVICES = ("identity", "inventory", "procurement", "sales", "finance", "crm", "supplier",
            "reporting")


def events_topic(service: str) -> str:
    return f"{service}.events.v1"


def commands_topic(service: str) -> str:
    return f"{service}.commands.v1"


def replies_topic(service: str) -> str:
    return f"{service}.replies.v1"


def retry_topic(topic: str) -> str:
    return f"{topic}.retry"


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


IDENTITY_EVENTS = events_topic("identity")
INVENTORY_EVENTS = events_topic("inventory")
INVENTORY_COMMANDS = commands_topic("inventory")
INVENTORY_REPLIES = replies_topic("inventory")
PROCUREMENT_EVENTS = events_topic("procurement")
SALES_EVENTS = events_topic("sales")
FINANCE_EVENTS = events_topic("finance")
FINANCE_COMMANDS = commands_topic("finance")
FINANCE_REPLIES = replies_topic("finance")
CRM_EVENTS = events_topic("crm")
SUPPLIER_EVENTS = events_topic("supplier")
AUDIT_EVENTS = "audit.events.v1"
"""Every service's audit records, kept by identity (append-only, hash-chained)."""

PRIMARY_TOPICS = (
    IDENTITY_EVENTS,
    INVENTORY_EVENTS, INVENTORY_COMMANDS, INVENTORY_REPLIES,
    PROCUREMENT_EVENTS,
    SALES_EVENTS,
    FINANCE_EVENTS, FINANCE_COMMANDS, FINANCE_REPLIES,
    CRM_EVENTS,
    SUPPLIER_EVENTS,
    AUDIT_EVENTS,
)

# Hot topics get more partitions: stock moves and orders are where the volume is.
_PRIMARY_PARTITIONS = {
    INVENTORY_EVENTS: 12, INVENTORY_COMMANDS: 12, INVENTORY_REPLIES: 6,
    SALES_EVENTS: 6, PROCUREMENT_EVENTS: 6, FINANCE_EVENTS: 6, FINANCE_COMMANDS: 6,
    FINANCE_REPLIES: 6, AUDIT_EVENTS: 6,
}
DEFAULT_PARTITIONS = 3

PARTITIONS: dict[str, int] = {}
for _topic in PRIMARY_TOPICS:
    _count = _PRIMARY_PARTITIONS.get(_topic, DEFAULT_PARTITIONS)
    PARTITIONS[_topic] = _count
    PARTITIONS[retry_topic(_topic)] = _count
    PARTITIONS[dlq_topic(_topic)] = 1

ALL_TOPICS: tuple[str, ...] = tuple(PARTITIONS)
