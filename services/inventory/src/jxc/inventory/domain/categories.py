"""Product categories: a tree (饮料 › 茶饮料 › 绿茶). Each category has at most
one parent; a category may never end up below itself."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,31}$")
MAX_DEPTH = 32


class CategoryRuleBroken(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    parent_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if not CODE_PATTERN.match(self.code):
            raise CategoryRuleBroken("code", "letters, digits and . _ - only, at most 32")
        if not self.name.strip():
            raise CategoryRuleBroken("name", "must not be blank")


def check_parent(category_id: uuid.UUID | None, parent_id: uuid.UUID | None,
                 ancestors_of_parent: Iterable[uuid.UUID]) -> None:
    """Refuse a parent that would put ``category_id`` below itself.

    ``ancestors_of_parent`` are the parent's ancestors, nearest first (not the
    parent itself). A new category (``category_id`` None) cannot close a cycle.
    """
    if parent_id is None:
        return
    chain = list(ancestors_of_parent)
    if category_id is not None and (parent_id == category_id or category_id in chain):
        raise CategoryRuleBroken("parent_id", "a category cannot be moved below itself or "
                                              "one of its own subcategories")
    if len(chain) + 1 >= MAX_DEPTH:
        raise CategoryRuleBroken("parent_id", f"categories nest at most {MAX_DEPTH} deep")
