"""The organisation tree: branches (分公司/门店) under parent branches."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping


def creates_cycle(parents: Mapping[uuid.UUID, uuid.UUID | None], branch: uuid.UUID,
                  new_parent: uuid.UUID | None) -> bool:
    """True when making ``new_parent`` the parent of ``branch`` would put
    ``branch`` among its own ancestors. ``parents`` maps branch → parent."""
    seen: set[uuid.UUID] = set()
    node = new_parent
    while node is not None:
        if node == branch or node in seen:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def with_descendants(parents: Mapping[uuid.UUID, uuid.UUID | None],
                     roots: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """``roots`` and every branch below them."""
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[uuid.UUID] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(children.get(node, ()))
    return found
