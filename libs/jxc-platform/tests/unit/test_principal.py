import uuid

from sqlalchemy import Column, MetaData, Table, Uuid, select
from sqlalchemy.dialects import postgresql

from jxc.platform.auth import principal_from_claims

orders = Table("orders", MetaData(), Column("branch_id", Uuid))
BRANCH_A, BRANCH_B = str(uuid.uuid4()), str(uuid.uuid4())


def sql(principal_filter: object) -> str:
    query = select(orders).where(principal_filter)  # type: ignore[arg-type]
    return str(query.compile(dialect=postgresql.dialect()))


def test_permissions_and_wildcards() -> None:
    clerk = principal_from_claims({"sub": "u1", "perms": ["inventory:*", "sales:read"]})
    assert clerk.can("inventory:adjust")
    assert clerk.can("sales:read")
    assert not clerk.can("sales:confirm")
    assert principal_from_claims({"sub": "root", "perms": ["*"]}).can("finance:close")


def test_data_scope_limits_branches() -> None:
    scoped = principal_from_claims({"sub": "u2", "perms": [], "branches": [BRANCH_A]})
    assert scoped.sees_branch(BRANCH_A)
    assert scoped.sees_branch(uuid.UUID(BRANCH_A))
    assert not scoped.sees_branch(BRANCH_B)
    assert not scoped.sees_branch(None)
    assert "IN" in sql(scoped.branch_filter(orders.c.branch_id))


def test_no_scope_claim_means_every_branch() -> None:
    everyone = principal_from_claims({"sub": "u3", "perms": []})
    assert everyone.sees_branch(BRANCH_B)
    assert everyone.sees_warehouse(None)
    assert "WHERE true" in sql(everyone.branch_filter(orders.c.branch_id))
    assert everyone.username == "u3"
