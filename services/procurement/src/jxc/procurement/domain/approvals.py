"""Approval rules: which levels a purchase order needs and who may approve
each. Pure rules: no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from jxc.procurement.domain.orders import OrderRuleBroken

DEFAULT_PERMISSION = "procurement:approve"


@dataclass(frozen=True)
class Rule:
    branch_id: uuid.UUID | None
    """None: every branch without a rule of its own for this level."""
    level: int
    min_amount: Decimal
    permission: str
    allow_self_approval: bool = False


@dataclass(frozen=True)
class Step:
    level: int
    permission: str
    allow_self_approval: bool = False


DEFAULT_STEP = Step(1, DEFAULT_PERMISSION)


def required_steps(rules: Iterable[Rule], branch_id: uuid.UUID | None,
                   total: Decimal) -> list[Step]:
    """The levels an order of ``total`` in ``branch_id`` needs, lowest first:
    per level the branch's own rule, else the all-branches one, when its
    ``min_amount`` is at most the total. No rule applies: one level needing
    ``procurement:approve``."""
    chosen: dict[int, Rule] = {}
    for rule in rules:
        if rule.branch_id is None:
            chosen.setdefault(rule.level, rule)
    for rule in rules:
        if rule.branch_id is not None and rule.branch_id == branch_id:
            chosen[rule.level] = rule
    steps = [Step(level, rule.permission, rule.allow_self_approval)
             for level, rule in sorted(chosen.items()) if rule.min_amount <= total]
    return steps or [DEFAULT_STEP]


def check_approver(step: Step, *, approver: str, creator: str,
                   can: Callable[[str], bool]) -> None:
    """Refuse (403) an approver without the level's permission, or the order's
    creator unless the level allows self-approval."""
    if not can(step.permission):
        raise OrderRuleBroken(
            f"level {step.level} needs the permission {step.permission}", code="forbidden",
            status=403, reason="missing_permission", missing=[step.permission], level=step.level)
    if approver == creator and not step.allow_self_approval:
        raise OrderRuleBroken("you created this purchase order and cannot approve it yourself",
                              code="forbidden", status=403, reason="self_approval_forbidden",
                              level=step.level)
