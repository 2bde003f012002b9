"""The interactions log: notes, calls, visits and emails. An email is stored
(``sending``) and committed before the mail server is asked, then marked
``sent`` with its Message-ID or ``failed`` with the reason — so a mail that
could not go out is never lost and can be resent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.api import keyset_page
from jxc.platform.db import Database
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.platform.mail import MailUnavailable, OutgoingMail, send_mail
from jxc.platform.settings import ServiceSettings
from jxc.supplier.adapters.suppliers import supplier_for_share
from jxc.supplier.adapters.tables import Interaction

ERROR_LENGTH = 1000


async def record(db: Database, settings: ServiceSettings, supplier_id: uuid.UUID, *, kind: str,
                 subject: str, body: str, occurred_at: datetime | None,
                 to: tuple[str, ...] | None, author: str) -> Interaction:
    """Log an interaction; an email is sent to ``to`` or the supplier's email."""
    async with db.session() as session:
        supplier = await supplier_for_share(session, supplier_id)
        recipients: tuple[str, ...] = ()
        if kind == "email":
            recipients = to or ((supplier.email,) if supplier.email else ())
            if not recipients:
                raise InvalidInput(f"supplier {supplier.code} has no email address; give `to`",
                                   errors=[{"field": "to", "in": "body",
                                            "message": "needed: the supplier has no email"}])
        elif to:
            raise InvalidInput("only an email has recipients", errors=[
                {"field": "to", "in": "body", "message": "only for kind email"}])
        row = Interaction(id=new_id(), supplier_id=supplier_id, kind=kind, subject=subject,
                          body=body, recipients=list(recipients),
                          occurred_at=occurred_at or datetime.now(UTC),
                          status="sending" if kind == "email" else "recorded",
                          attempts=0, created_by=author)
        session.add(row)
        await session.commit()
        await session.refresh(row)
    if kind == "email":
        return await _deliver(db, settings, row.id)
    return row


async def resend(db: Database, settings: ServiceSettings, supplier_id: uuid.UUID,
                 interaction_id: uuid.UUID) -> Interaction:
    """Try a failed email again, or one whose sending was interrupted (still
    ``sending`` well after the mail server's timeout). One still being sent
    is refused, so two resends never both send."""
    async with db.session() as session:
        row = await get(session, supplier_id, interaction_id, lock=True)
        stale = datetime.now(UTC) - timedelta(seconds=3 * settings.smtp_timeout_seconds)
        if row.kind != "email" or row.status == "sent" or (
                row.status == "sending" and row.updated_at > stale):
            raise Conflict(f"interaction {interaction_id} is not an unsent email",
                           code="not_resendable", interaction_status=row.status)
        row.status = "sending"
        session.add(row)
        await session.commit()
    return await _deliver(db, settings, interaction_id)


async def _deliver(db: Database, settings: ServiceSettings, interaction_id: uuid.UUID
                   ) -> Interaction:
    async with db.session() as session:
        row = await session.get(Interaction, interaction_id)
        assert row is not None
        mail = OutgoingMail(to=tuple(row.recipients), subject=row.subject, text=row.body)
    failure: MailUnavailable | None = None
    message_id: str | None = None
    try:
        message_id = await send_mail(settings, mail)
    except MailUnavailable as exc:
        failure = exc
    async with db.session() as session:
        row = await session.get(Interaction, interaction_id, with_for_update=True)
        assert row is not None
        row.attempts += 1
        row.status = "failed" if failure else "sent"
        row.message_id = message_id
        row.error = failure.detail[:ERROR_LENGTH] if failure else None
        session.add(row)
        await session.commit()
        await session.refresh(row)
    if failure is not None:
        raise MailUnavailable(f"{failure.detail} The email is kept as interaction "
                              f"{interaction_id} (failed); resend it later.",
                              headers=failure.headers, interaction_id=str(interaction_id))
    return row


async def get(session: AsyncSession, supplier_id: uuid.UUID, interaction_id: uuid.UUID,
              lock: bool = False) -> Interaction:
    row = await session.get(Interaction, interaction_id, with_for_update=lock)
    if row is None or row.supplier_id != supplier_id:
        raise NotFound(f"no interaction {interaction_id} of supplier {supplier_id}")
    return row


async def page(session: AsyncSession, supplier_id: uuid.UUID, limit: int, cursor: str | None,
               kind: str | None) -> tuple[list[Interaction], str | None]:
    """Oldest first (ids are time-ordered UUIDv7)."""
    await supplier_for_share(session, supplier_id)
    query = select(Interaction).where(Interaction.supplier_id == supplier_id)
    if kind is not None:
        query = query.where(Interaction.kind == kind)
    return await keyset_page(session, query, Interaction.id, limit, cursor)
