"""A user's data scope as the access token carries it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jxc.identity.domain.branches import with_descendants


@dataclass(frozen=True)
class TokenScope:
    branches: list[str] | None
    """None: every branch."""
    warehouses: list[str] | None
    """None: every warehouse."""


def token_scope(branches: Iterable[str] | None, warehouses: Iterable[str] | None,
                parents: Mapping[uuid.UUID, uuid.UUID | None],
                warehouse_branches: Mapping[uuid.UUID, uuid.UUID | None]) -> TokenScope:
    """The claims for a user limited to ``branches`` (and the branches below
    them) and ``warehouses``: the warehouses claim is the explicit warehouses
    plus every warehouse of those branches (from the warehouse directory).
    A user limited by branch but not by warehouse still sees only their
    branches' warehouses, never all of them."""
    if branches is None:
        return TokenScope(None, None if warehouses is None else sorted(set(warehouses)))
    seen = with_descendants(parents, (uuid.UUID(b) for b in branches))
    in_branches = {str(w) for w, b in warehouse_branches.items() if b is not None and b in seen}
    return TokenScope(sorted(str(b) for b in seen),
                      sorted(in_branches | set(warehouses or ())))
