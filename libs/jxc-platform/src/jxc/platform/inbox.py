"""Inbox: a consumer records each message id it processed in the same
transaction as the message's effect, so a redelivered message is skipped."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.db.tables import inbox


async def claim(session: AsyncSession, consumer: str, message_id: str, message_type: str) -> bool:
    """True when this consumer has not processed ``message_id`` before.

    Concurrent claims of one id serialise on the primary key: the loser waits
    for the winner's transaction and then sees the conflict.
    """
    stmt = (
        insert(inbox)
        .values(consumer=consumer, message_id=message_id, type=message_type)
        .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
        .returning(inbox.c.message_id)
    )
    result = await session.execute(stmt)
    return result.first() is not None
