"""Inventory's persistence; importing the package registers every table."""

from jxc.inventory.adapters import stock_tables, tables

__all__ = ["stock_tables", "tables"]
