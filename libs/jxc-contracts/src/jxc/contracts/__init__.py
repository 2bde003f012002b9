"""JXC's published language: message schemas, topics and permissions.

Importing the package registers every message type, so a consumer can decode
anything it receives by its CloudEvents type.
"""

from jxc.contracts import crm, inventory, permissions, supplier, topics

__all__ = ["crm", "inventory", "permissions", "supplier", "topics"]
