"""The branch tree, token data scope and API-key format."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from jxc.identity.domain import api_keys
from jxc.identity.domain.branches import creates_cycle, with_descendants
from jxc.identity.domain.scope import token_scope

ROOT, EAST, SHANGHAI, WEST = (uuid.UUID(int=i) for i in range(1, 5))
PARENTS = {ROOT: None, EAST: ROOT, SHANGHAI: EAST, WEST: ROOT}
W_SH, W_EAST, W_WEST, W_NONE = (uuid.UUID(int=i) for i in range(11, 15))
WAREHOUSES = {W_SH: SHANGHAI, W_EAST: EAST, W_WEST: WEST, W_NONE: None}


def test_moving_a_branch_under_its_own_descendant_is_a_cycle() -> None:
    assert creates_cycle(PARENTS, EAST, SHANGHAI)
    assert creates_cycle(PARENTS, EAST, EAST)
    assert creates_cycle(PARENTS, ROOT, WEST)
    assert not creates_cycle(PARENTS, SHANGHAI, WEST)
    assert not creates_cycle(PARENTS, EAST, None)


def test_an_existing_cycle_does_not_loop_forever() -> None:
    broken = {EAST: SHANGHAI, SHANGHAI: EAST}
    assert creates_cycle(broken, WEST, EAST)


def test_descendants() -> None:
    assert with_descendants(PARENTS, [EAST]) == {EAST, SHANGHAI}
    assert with_descendants(PARENTS, [ROOT]) == {ROOT, EAST, SHANGHAI, WEST}
    assert with_descendants(PARENTS, []) == set()


def test_an_unlimited_user_has_no_scope_claims() -> None:
    scope = token_scope(None, None, PARENTS, WAREHOUSES)
    assert scope.branches is None and scope.warehouses is None


def test_a_branch_user_sees_their_branches_warehouses_only() -> None:
    scope = token_scope([str(EAST)], None, PARENTS, WAREHOUSES)
    assert scope.branches == sorted([str(EAST), str(SHANGHAI)])
    assert scope.warehouses == sorted([str(W_SH), str(W_EAST)])


def test_explicit_warehouses_add_to_the_branches_ones() -> None:
    scope = token_scope([str(WEST)], [str(W_SH)], PARENTS, WAREHOUSES)
    assert scope.branches == [str(WEST)]
    assert scope.warehouses == sorted([str(W_WEST), str(W_SH)])


def test_a_branch_without_warehouses_gives_an_empty_list_not_all() -> None:
    scope = token_scope([str(uuid.UUID(int=99))], None, PARENTS, WAREHOUSES)
    assert scope.warehouses == []


def test_warehouses_alone_limit_warehouses_not_branches() -> None:
    scope = token_scope(None, [str(W_WEST)], PARENTS, WAREHOUSES)
    assert scope.branches is None and scope.warehouses == [str(W_WEST)]


def test_api_key_format_prefix_and_hash() -> None:
    key, prefix, stored = api_keys.new_api_key()
    assert key.startswith(f"jxc_{prefix}_") and len(prefix) == 12
    assert api_keys.prefix_of(key) == prefix
    assert api_keys.matches(key, stored) and stored != key and len(stored) == 64
    other, _, _ = api_keys.new_api_key()
    assert not api_keys.matches(other, stored)
    for bad in ("", "jxc_", f"jxc_{prefix}", "Bearer x", f"jxc_{prefix.upper()}_{'a' * 43}",
                key + "x", "jxc_zzzzzzzzzzzz_" + "a" * 43, "'; DROP TABLE api_key; --"):
        assert api_keys.prefix_of(bad) is None, bad


def test_api_key_usability() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert api_keys.usable(None, None, now)
    assert api_keys.usable(None, now + timedelta(seconds=1), now)
    assert not api_keys.usable(None, now, now)
    assert not api_keys.usable(now, None, now)
