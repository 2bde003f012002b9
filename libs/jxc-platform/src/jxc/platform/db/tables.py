"""Tables every service has: the outbox, the inbox, saga instances and
idempotency keys.

They live in their own MetaData so that a service's Alembic migration can
create them with :func:`jxc.platform.db.migrations.create_platform_tables`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

platform_metadata = MetaData()

outbox = Table(
    "outbox",
    platform_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("type", String(200), nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
)
Index("ix_outbox_unsent", outbox.c.id, postgresql_where=outbox.c.sent_at.is_(None))

inbox = Table(
    "inbox",
    platform_metadata,
    Column("consumer", String(200), nullable=False),
    Column("message_id", String(100), nullable=False),
    Column("type", String(200), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer", "message_id"),
)

saga_instance = Table(
    "saga_instance",
    platform_metadata,
    Column("id", Uuid, primary_key=True),
    Column("saga_type", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("step", Integer, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("awaiting", Uuid),
    Column("deadline_at", DateTime(timezone=True)),
    Column("failure_reason", Text),
    Column("history", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_saga_deadline", saga_instance.c.deadline_at,
      postgresql_where=saga_instance.c.status.in_(["running", "compensating"]))

# A POST's ``Idempotency-Key`` and the response it got (jxc.platform.idempotency).
# ``principal`` is the caller's token subject, ``apikey:<sha256>`` or "" when
# anonymous; ``endpoint`` is ``POST <path>`` and ``fingerprint`` the sha256 of
# the query string and body, so a key is bound to the request first sent with it.
idempotency_key = Table(
    "idempotency_key",
    platform_metadata,
    Column("principal", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("endpoint", String, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(10), nullable=False),  # "pending", then "done"
    Column("response_status", Integer),
    Column("response_headers", JSONB),
    Column("response_body", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("principal", "key"),
)
Index("ix_idempotency_key_created_at", idempotency_key.c.created_at)
