"""The permission catalogue: ``module:action`` strings a role grants.

A holder of ``*`` may do everything; ``inventory:*`` grants every inventory
action.
"""

from __future__ import annotations

from collections.abc import Iterable

CATALOGUE: dict[str, dict[str, str]] = {
    "identity": {
        "read": "see users, roles and API keys",
        "manage": "create and change users, roles and API keys",
        "audit": "read the audit log",
    },
    "inventory": {
        "read": "see products, warehouses, stock and the stock ledger",
        "manage": "create and change products and warehouses",
        "post": "post receipts and issues",
        "adjust": "post stock adjustments, counts and reversals",
        "reserve": "reserve and release stock for orders",
        "transfer": "move stock between warehouses",
        "export": "export stock reports",
    },
    "procurement": {
        "read": "see purchase orders and receipts",
        "requisition": "raise purchase requisitions",
        "write": "draft and change purchase orders",
        "submit": "submit purchase orders for approval",
        "approve": "approve purchase orders",
        "approve_high": "approve purchase orders above the higher amount thresholds",
        "receive": "receive goods",
        "return": "return goods to suppliers",
        "manage": "set approval rules and receipt tolerances",
    },
    "sales": {
        "read": "see customers' orders, shipments and returns",
        "write": "draft and change sales orders",
        "confirm": "confirm sales orders",
        "ship": "ship sales orders",
        "cancel": "cancel sales orders",
        "return": "accept customer returns",
        "price_override": "sell below list price",
    },
    "finance": {
        "read": "see journals, invoices, payments and statements",
        "post": "post manual journal entries",
        "invoice": "issue and void invoices",
        "pay": "record receipts and payments",
        "close": "close accounting periods",
        "credit": "set credit limits",
        "manage": "change the chart of accounts",
    },
    "crm": {
        "read": "see customers and contacts",
        "write": "create and change customers and contacts",
    },
    "supplier": {
        "read": "see suppliers and their price lists",
        "write": "create and change suppliers and price lists",
    },
    "reporting": {
        "read": "see dashboards and reports",
        "export": "export reports",
    },
}

ALL_PERMISSIONS: frozenset[str] = frozenset(
    f"{module}:{action}" for module, actions in CATALOGUE.items() for action in actions)
SUPERUSER = "*"


def is_known(permission: str) -> bool:
    if permission == SUPERUSER:
        return True
    module, _, action = permission.partition(":")
    return module in CATALOGUE and (action == "*" or action in CATALOGUE[module])


def grants(held: Iterable[str], required: str) -> bool:
    """True when the ``held`` permissions include ``required``."""
    module = required.partition(":")[0]
    for permission in held:
        if permission in (SUPERUSER, required, f"{module}:*"):
            return True
    return False
