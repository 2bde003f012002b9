import uuid

import pytest

from jxc.inventory.domain.categories import (
    MAX_DEPTH,
    Category,
    CategoryRuleBroken,
    check_parent,
)


def test_category_rules() -> None:
    assert Category("DRINK", "饮料").parent_id is None
    with pytest.raises(CategoryRuleBroken) as bad:
        Category("has space", "x")
    assert bad.value.field == "code"
    with pytest.raises(CategoryRuleBroken) as blank:
        Category("TEA", " ")
    assert blank.value.field == "name"


def test_cycles_are_refused() -> None:
    root, child, grandchild = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    check_parent(child, root, [])
    check_parent(None, grandchild, [child, root])
    with pytest.raises(CategoryRuleBroken) as own:
        check_parent(root, root, [])
    assert own.value.field == "parent_id"
    with pytest.raises(CategoryRuleBroken, match="below itself"):
        check_parent(root, grandchild, [child, root])


def test_depth_is_bounded() -> None:
    chain = [uuid.uuid4() for _ in range(MAX_DEPTH)]
    with pytest.raises(CategoryRuleBroken, match="deep"):
        check_parent(None, uuid.uuid4(), chain)
