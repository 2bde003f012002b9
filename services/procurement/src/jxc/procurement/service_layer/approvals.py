"""Approval rules, approving and rejecting purchase orders level by level, and
the approver's inbox."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, literal, or_, select, true, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.permissions import SUPERUSER, is_known
from jxc.platform.api import decode_cursor, encode_cursor
from jxc.platform.auth import Principal
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.procurement.adapters.tables import (
    approval_rule,
    purchase_order,
    purchase_order_approval,
    purchase_order_line,
    supplier_replica,
)
from jxc.procurement.domain.approvals import Step, check_approver
from jxc.procurement.domain.orders import Action, Status, check_action, status_after_approval
from jxc.procurement.service_layer import costs
from jxc.procurement.service_layer.orders import (
    Order,
    announce_approval,
    end,
    enforced,
    now,
    touch,
    visible,
)

po = purchase_order
step_table = purchase_order_approval


# -- rules ---------------------------------------------------------------------------
async def add_rule(session: AsyncSession, *, branch_id: uuid.UUID | None, level: int,
                   min_amount: Decimal, permission: str, allow_self_approval: bool,
                   created_by: str) -> Mapping[str, Any]:
    if permission == SUPERUSER or permission.endswith(":*") or not is_known(permission):
        raise InvalidInput(f"{permission} is not a permission of the catalogue", errors=[
            {"field": "permission", "in": "body", "message": "not in the permission catalogue"}])
    rule_id = uuid.uuid4()
    try:
        async with session.begin_nested():
            await session.execute(insert(approval_rule).values(
                id=rule_id, branch_id=branch_id, level=level, min_amount=min_amount,
                permission=permission, allow_self_approval=allow_self_approval,
                created_by=created_by))
    except IntegrityError as exc:
        raise Conflict(f"there is already a level {level} rule for "
                       f"{'every branch' if branch_id is None else f'branch {branch_id}'}; "
                       "delete it first", code="duplicate_rule") from exc
    return dict((await session.execute(select(approval_rule).where(
        approval_rule.c.id == rule_id))).mappings().one())


async def rules(session: AsyncSession) -> list[Mapping[str, Any]]:
    return [dict(r) for r in (await session.execute(select(approval_rule).order_by(
        approval_rule.c.branch_id.is_not(None), approval_rule.c.branch_id,
        approval_rule.c.level))).mappings()]


async def remove_rule(session: AsyncSession, rule_id: uuid.UUID) -> None:
    """Orders already submitted keep the levels they were given."""
    if (await session.execute(delete(approval_rule).where(
            approval_rule.c.id == rule_id))).rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"no approval rule {rule_id}")


# -- deciding ------------------------------------------------------------------------
async def pending_step(session: AsyncSession, order: Order) -> Mapping[str, Any]:
    row = (await session.execute(select(step_table).where(
        step_table.c.order_id == order.id, step_table.c.revision == order.row["revision"],
        step_table.c.decision.is_(None)).order_by(step_table.c.level).limit(1)
    )).mappings().first()
    if row is None:
        raise Conflict("the order waits for no approval", code="invalid_state",
                       order_status=str(order.status))
    return dict(row)


async def _decide(session: AsyncSession, order: Order, principal: Principal, decision: str,
                  comment: str | None, *, self_allowed: bool = False) -> Mapping[str, Any]:
    with enforced():
        check_action(order.status, Action.DECIDE)
    step = await pending_step(session, order)
    with enforced():
        check_approver(Step(step["level"], step["permission"],
                            step["allow_self_approval"] or self_allowed),
                       approver=principal.subject, creator=order.row["created_by"],
                       can=principal.can)
    await session.execute(step_table.update().where(step_table.c.id == step["id"]).values(
        decision=decision, decided_by=principal.subject, decided_by_name=principal.username,
        decided_at=func.now(), comment=comment))
    return step


async def approve(session: AsyncSession, order: Order, principal: Principal,
                  comment: str | None) -> bool:
    """Record the approval of the lowest pending level; after the last one the
    order is approved (or resumes receiving) and PurchaseOrderApproved goes
    out. True when the order is now approved."""
    step = await _decide(session, order, principal, "approved", comment)
    remaining = (await session.execute(select(func.count()).select_from(step_table).where(
        step_table.c.order_id == order.id, step_table.c.revision == order.row["revision"],
        step_table.c.decision.is_(None), step_table.c.id != step["id"]))).scalar_one()
    if remaining:
        await touch(session, order)
        return False
    approved_at = now()
    await touch(session, order, status=status_after_approval(order.lines),
                approved_at=approved_at)
    await announce_approval(session, order, approved_at)
    await costs.record_approved_prices(session, order.id)
    return True


async def reject(session: AsyncSession, order: Order, principal: Principal, reason: str) -> None:
    """An approver of the pending level may reject it (their own order too);
    the order ends as rejected."""
    await _decide(session, order, principal, "rejected", reason, self_allowed=True)
    await end(session, order, Status.REJECTED, reason)


# -- inbox ---------------------------------------------------------------------------
def _may_approve(principal: Principal) -> ColumnElement[bool]:
    """SQL condition: the principal holds the step's permission and, unless
    the step allows it, did not create the order."""
    held = sorted(principal.permissions)
    if SUPERUSER in principal.permissions:
        allowed: ColumnElement[bool] = true()
    else:
        module = func.split_part(step_table.c.permission, ":", 1)
        allowed = or_(step_table.c.permission.in_(held),
                      func.concat(module, literal(":*")).in_(held))
    return and_(allowed, or_(step_table.c.allow_self_approval,
                             po.c.created_by != principal.subject))


async def inbox(session: AsyncSession, principal: Principal, limit: int,
                cursor: str | None) -> tuple[list[Mapping[str, Any]], str | None]:
    """Submitted orders whose lowest pending level the caller may approve,
    within their scope, most recently submitted first."""
    lowest = (select(func.min(step_table.c.level)).where(
        step_table.c.order_id == po.c.id, step_table.c.revision == po.c.revision,
        step_table.c.decision.is_(None)).correlate(po).scalar_subquery())
    lines = (select(func.count()).select_from(purchase_order_line).where(
        purchase_order_line.c.order_id == po.c.id).correlate(po).scalar_subquery())
    every = step_table.alias("every_step")
    levels = (select(func.count()).select_from(every).where(
        every.c.order_id == po.c.id, every.c.revision == po.c.revision)
        .correlate(po).scalar_subquery())
    query = (select(po.c.id, po.c.number, po.c.supplier_id,
                    supplier_replica.c.name.label("supplier_name"), po.c.warehouse_id,
                    po.c.branch_id, po.c.currency, po.c.net, po.c.tax, po.c.total,
                    po.c.revision, po.c.expected_at, po.c.created_by, po.c.submitted_at,
                    step_table.c.level, step_table.c.permission, lines.label("lines_count"),
                    levels.label("levels"))
             .join(step_table, and_(step_table.c.order_id == po.c.id,
                                    step_table.c.revision == po.c.revision,
                                    step_table.c.decision.is_(None),
                                    step_table.c.level == lowest))
             .outerjoin(supplier_replica, supplier_replica.c.supplier_id == po.c.supplier_id)
             .where(po.c.status == Status.SUBMITTED, visible(principal),
                    _may_approve(principal)))
    after = decode_cursor(cursor)
    if after is not None:
        try:
            at, last_id = datetime.fromisoformat(after["at"]), uuid.UUID(after["id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput("cursor is not valid", errors=[
                {"field": "cursor", "in": "query", "message": "not a cursor from this API"}
            ]) from exc
        query = query.where(tuple_(po.c.submitted_at, po.c.id) < tuple_(literal(at),
                                                                        literal(last_id)))
    rows: list[Mapping[str, Any]] = [dict(r) for r in (await session.execute(query.order_by(
        po.c.submitted_at.desc(), po.c.id.desc()).limit(limit + 1))).mappings()]
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor({"at": last["submitted_at"].isoformat(),
                                        "id": str(last["id"])})
