from jxc.contracts.permissions import ALL_PERMISSIONS, grants, is_known


def test_grants() -> None:
    assert grants({"inventory:adjust"}, "inventory:adjust")
    assert grants({"inventory:*"}, "inventory:adjust")
    assert grants({"*"}, "finance:close")
    assert not grants({"inventory:read"}, "inventory:adjust")
    assert not grants({"inventory:*"}, "sales:read")
    assert not grants(set(), "sales:read")


def test_catalogue() -> None:
    for permission in ("inventory:adjust", "procurement:approve", "sales:confirm",
                       "finance:close", "crm:write", "supplier:write", "reporting:export",
                       "identity:manage"):
        assert permission in ALL_PERMISSIONS
    assert is_known("sales:*")
    assert is_known("*")
    assert not is_known("sales:fly")
    assert not is_known("nothing")
