"""Which approval levels an order needs, and who may approve each."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from jxc.procurement.domain.approvals import (
    DEFAULT_STEP,
    Rule,
    Step,
    check_approver,
    required_steps,
)
from jxc.procurement.domain.orders import OrderRuleBroken

NORTH, SOUTH = uuid.uuid4(), uuid.uuid4()
RULES = [
    Rule(None, 1, Decimal(0), "procurement:approve"),
    Rule(None, 2, Decimal(10000), "procurement:approve_high"),
    Rule(NORTH, 2, Decimal(50000), "procurement:approve_high", allow_self_approval=True),
    Rule(SOUTH, 3, Decimal(20000), "procurement:manage"),
]


def levels(branch: uuid.UUID | None, total: str) -> list[tuple[int, str]]:
    return [(s.level, s.permission) for s in required_steps(RULES, branch, Decimal(total))]


def test_without_rules_one_level_of_procurement_approve() -> None:
    assert required_steps([], NORTH, Decimal(10**9)) == [DEFAULT_STEP]
    assert DEFAULT_STEP == Step(1, "procurement:approve")


def test_every_rule_at_or_below_the_total_applies_lowest_level_first() -> None:
    assert levels(None, "9999.99") == [(1, "procurement:approve")]
    assert levels(None, "10000") == [(1, "procurement:approve"),
                                     (2, "procurement:approve_high")]
    assert levels(SOUTH, "20000") == [(1, "procurement:approve"),
                                      (2, "procurement:approve_high"),
                                      (3, "procurement:manage")]


def test_a_branch_rule_replaces_the_all_branches_rule_of_its_level() -> None:
    assert levels(NORTH, "20000") == [(1, "procurement:approve")]
    assert required_steps(RULES, NORTH, Decimal(60000))[1].allow_self_approval


def test_when_no_rule_reaches_the_total_the_default_level_applies() -> None:
    rules = [Rule(None, 2, Decimal(100), "procurement:approve_high")]
    assert required_steps(rules, None, Decimal(50)) == [DEFAULT_STEP]


def test_approver_needs_the_level_permission_and_not_to_be_the_creator() -> None:
    step = Step(2, "procurement:approve_high")
    check_approver(step, approver="boss", creator="buyer",
                   can=lambda p: p == "procurement:approve_high")
    with pytest.raises(OrderRuleBroken) as caught:
        check_approver(step, approver="boss", creator="buyer",
                       can=lambda p: p == "procurement:approve")
    assert (caught.value.status, caught.value.extra["reason"]) == (403, "missing_permission")
    with pytest.raises(OrderRuleBroken) as caught:
        check_approver(step, approver="buyer", creator="buyer", can=lambda p: True)
    assert caught.value.extra["reason"] == "self_approval_forbidden"
    check_approver(Step(1, "procurement:approve", allow_self_approval=True),
                   approver="buyer", creator="buyer", can=lambda p: True)
