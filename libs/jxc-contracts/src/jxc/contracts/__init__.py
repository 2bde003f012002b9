"""JXC's published language: message schemas, topics and permissions.

Importing the package registers every message type, so a consumer can decode
anything it receives by its CloudEvents type.
"""

from jxc.contracts import (
    audit,
    crm,
    finance,
    identity,
    inventory,
    permissions,
    procurement,
    sales,
    supplier,
    topics,
)

__all__ = ["audit", "crm", "finance", "identity", "inventory", "permissions", "procurement",
           "sales", "supplier", "topics"]
