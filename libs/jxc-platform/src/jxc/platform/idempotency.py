"""``Idempotency-Key`` on every POST (DESIGN.md §8): a retry returns the first response.

:class:`IdempotencyMiddleware` is raw ASGI because it buffers both the request
body and the response. For a POST carrying the header it claims the key for
the caller in a short transaction of its own, runs the route, and stores the
response — status, ``content-type``/``location``/``etag`` and the body bytes —
before sending it. A retry with the same key gets exactly those bytes back
with ``Idempotent-Replayed: true``; the same key on a different request is
refused (422 ``idempotency_key_reused``); a retry while the first request
still runs gets 409 ``request_in_progress``. A 5xx (and a 408 or 429) is not
kept, so the client can retry it; nor is a response marked
``Cache-Control: no-store`` (issued tokens), which then runs again on a retry.
Other methods, and POSTs without the header, pass through untouched.

Keys are scoped by the caller, and only a *verified* bearer token names one:
an unverified ``sub`` would let anyone forge a token to replay another
caller's stored response, or to occupy their key first. The principal
verified here is kept on the request, so the route does not verify it twice.

The key's record and the route's own changes commit separately: a process
that dies between the two leaves the key pending, and a retry takes it over
after :data:`ABANDONED_AFTER` and runs the request again.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jxc.platform.auth import principal_from_claims
from jxc.platform.db import Database
from jxc.platform.db.tables import idempotency_key as records
from jxc.platform.errors import (
    Problem,
    is_connection_error,
    problem_body,
    problem_response,
    unavailable_response,
)

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 200
KEPT_HEADERS = frozenset({"content-type", "location", "etag"})
NOT_KEPT_STATUSES = frozenset({408, 429})
"""Besides every 5xx: answers that tell the client to retry are not replayed."""
ABANDONED_AFTER = timedelta(seconds=60)
PURGE_EVERY_SECONDS = 300.0
CLAIM_ATTEMPTS = 3
log = logging.getLogger("jxc.idempotency")


# -- the records -------------------------------------------------------------

@dataclass(frozen=True)
class KeyedRequest:
    principal: str
    key: str
    endpoint: str
    fingerprint: str


@dataclass(frozen=True)
class Claim:
    """This request owns the key; ``created_at`` tells its claim from a later takeover."""

    principal: str
    key: str
    created_at: datetime


@dataclass(frozen=True)
class Recorded:
    """What the key was first used for, and its response once there is one."""

    endpoint: str
    fingerprint: str
    status: str
    response_status: int | None
    response_headers: dict[str, str] | None
    response_body: bytes | None


async def claim(db: Database, request: KeyedRequest, ttl: timedelta) -> Claim | Recorded | None:
    """Take the key for ``request`` — new, expired, or abandoned while pending
    by the same request — or return its record. None: the record went away
    between the two statements (its request failed); try again."""
    row = records.c
    insertion = insert(records).values(
        principal=request.principal, key=request.key, endpoint=request.endpoint,
        fingerprint=request.fingerprint, status="pending")
    incoming = insertion.excluded
    takeover = or_(
        row.created_at < func.now() - ttl,
        and_(row.status == "pending", row.created_at < func.now() - ABANDONED_AFTER,
             row.endpoint == incoming.endpoint, row.fingerprint == incoming.fingerprint))
    statement = insertion.on_conflict_do_update(
        index_elements=[row.principal, row.key], where=takeover,
        set_={"endpoint": incoming.endpoint, "fingerprint": incoming.fingerprint,
              "status": "pending", "response_status": null(), "response_headers": null(),
              "response_body": null(), "created_at": func.now(), "completed_at": null()},
    ).returning(row.created_at)
    async with db.engine.begin() as conn:
        created_at = (await conn.execute(statement)).scalar_one_or_none()
        if created_at is not None:
            return Claim(request.principal, request.key, created_at)
        found = (await conn.execute(
            select(row.endpoint, row.fingerprint, row.status, row.response_status,
                   row.response_headers, row.response_body)
            .where(row.principal == request.principal, row.key == request.key))).one_or_none()
    return None if found is None else Recorded(*found)


def _owned(claimed: Claim) -> ColumnElement[bool]:
    row = records.c
    return and_(row.principal == claimed.principal, row.key == claimed.key,
                row.created_at == claimed.created_at, row.status == "pending")


async def complete(db: Database, claimed: Claim, status: int, headers: dict[str, str],
                   body: bytes) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(update(records).where(_owned(claimed)).values(
            status="done", response_status=status, response_headers=headers,
            response_body=body, completed_at=func.now()))


async def release(db: Database, claimed: Claim) -> None:
    """Forget a claim whose request failed, so that a retry runs it again."""
    async with db.engine.begin() as conn:
        await conn.execute(delete(records).where(_owned(claimed)))


async def purge_expired(db: Database, ttl: timedelta) -> int:
    async with db.engine.begin() as conn:
        result = await conn.execute(delete(records).where(records.c.created_at
                                                          < func.now() - ttl))
    return int(result.rowcount)


# -- the request -------------------------------------------------------------

def valid_key(values: list[bytes]) -> str | None:
    """One header of 1..200 printable ASCII characters, else None."""
    if len(values) != 1:
        return None
    raw = values[0]
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or any(b < 0x20 or b > 0x7E for b in raw):
        return None
    return raw.decode("ascii")


def request_fingerprint(query_string: bytes, body: bytes) -> str:
    digest = hashlib.sha256(query_string)
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


async def caller(scope: Scope) -> str:
    """Whose key this is: a verified bearer token's subject, the hash of an API
    key (its holder is the only one who can send it), or "" for everyone else."""
    authorization = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
    scheme, _, credential = authorization.decode("latin-1").partition(" ")
    credential = credential.strip()
    if not credential:
        return ""
    if scheme.lower() == "apikey":
        return "apikey:" + hashlib.sha256(credential.encode("latin-1")).hexdigest()
    verifier = getattr(scope["app"].state, "verifier", None)
    if scheme.lower() != "bearer" or verifier is None:
        return ""
    try:
        principal = principal_from_claims(await verifier.verify(credential))
    except Problem:
        return ""
    scope.setdefault("state", {})["principal"] = principal  # jxc.platform.auth.authenticated
    return principal.subject


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body; None when the client went away."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the route: the buffered body, then the client's own events."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}
    return replay


# -- the answers -------------------------------------------------------------

def _problem(status: int, code: str, title: str, detail: str, path: str,
             headers: dict[str, str] | None = None) -> Response:
    return problem_response(problem_body(status, code, title, detail, path), headers)


def invalid_key(path: str) -> Response:
    return _problem(422, "invalid_idempotency_key", "Invalid Idempotency-Key",
                    f"Send one Idempotency-Key of 1 to {MAX_KEY_LENGTH} printable ASCII "
                    "characters.", path)


def answer_from_record(found: Recorded, request: KeyedRequest, path: str) -> Response:
    if (found.endpoint, found.fingerprint) != (request.endpoint, request.fingerprint):
        return _problem(422, "idempotency_key_reused", "Idempotency-Key already used",
                        "This Idempotency-Key was used for a different request; send a new "
                        "key for a new request.", path)
    if found.status == "done" and found.response_status is not None:
        return Response(found.response_body or b"", status_code=found.response_status,
                        headers={**(found.response_headers or {}),
                                 "Idempotent-Replayed": "true"})
    return in_progress(path)


def in_progress(path: str) -> Response:
    return _problem(409, "request_in_progress", "Request in progress",
                    "A request with this Idempotency-Key is still running; retry shortly.",
                    path, {"Retry-After": "1"})


def kept_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in raw:
        header = name.decode("latin-1").lower()
        if header in KEPT_HEADERS and header not in kept:
            kept[header] = value.decode("latin-1")
    return kept


def _no_store(raw: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() == b"cache-control" and b"no-store" in value.lower()
               for name, value in raw)


def _is_database_failure(exc: Exception) -> bool:
    return isinstance(exc, SQLAlchemyError | OSError | TimeoutError) or is_connection_error(exc)


# -- the middleware ----------------------------------------------------------

class IdempotencyMiddleware:
    """Installed by :func:`jxc.platform.app.create_app` for the api roles; uses
    the app's ``state.runtime`` (database, settings) and ``state.verifier``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._purged_at: float | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        values = [v for k, v in scope.get("headers", ()) if k == HEADER]
        if scope["type"] != "http" or scope["method"] != "POST" or not values:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        key = valid_key(values)
        if key is None:
            await invalid_key(path)(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return
        runtime: Any = scope["app"].state.runtime
        db: Database = runtime.db
        ttl = timedelta(hours=runtime.settings.idempotency_ttl_hours)
        request = KeyedRequest(await caller(scope), key, f"POST {path}",
                               request_fingerprint(scope.get("query_string", b""), body))
        try:
            await self._purge_if_due(db, ttl)
            outcome: Claim | Recorded | None = None
            for _ in range(CLAIM_ATTEMPTS):
                outcome = await claim(db, request, ttl)
                if outcome is not None:
                    break
        except Exception as exc:
            if not _is_database_failure(exc):
                raise
            log.warning("Idempotency-Key not checked on %s: %s", path, exc)
            await unavailable_response(path)(scope, receive, send)
            return
        if isinstance(outcome, Claim):
            await self._run(scope, replaying(body, receive), send, db, outcome)
        elif isinstance(outcome, Recorded):
            await answer_from_record(outcome, request, path)(scope, receive, send)
        else:
            await in_progress(path)(scope, receive, send)

    async def _purge_if_due(self, db: Database, ttl: timedelta) -> None:
        now = time.monotonic()
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY_SECONDS:
            return
        self._purged_at = now
        removed = await purge_expired(db, ttl)
        if removed:
            log.info("purged %d expired idempotency keys", removed)

    async def _run(self, scope: Scope, receive: Receive, send: Send, db: Database,
                   claimed: Claim) -> None:
        """Run the route, recording its response before the client sees it, so
        that a retry sent the moment the response arrives is a replay."""
        start: Message | None = None
        chunks: list[bytes] = []
        settled = False

        async def capture(message: Message) -> None:
            nonlocal start, settled
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            settled = True
            await self._settle(db, claimed, start, body)
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        try:
            await self.app(scope, receive, capture)
        finally:
            if not settled:
                await self._quietly(release(db, claimed), claimed)

    async def _settle(self, db: Database, claimed: Claim, start: Message, body: bytes) -> None:
        status: int = start["status"]
        if status >= 500 or status in NOT_KEPT_STATUSES or _no_store(start["headers"]):
            await self._quietly(release(db, claimed), claimed)
        else:
            await self._quietly(complete(db, claimed, status, kept_headers(start["headers"]),
                                         body), claimed)

    @staticmethod
    async def _quietly(work: Awaitable[None], claimed: Claim) -> None:
        """The response goes out even when its record cannot be written; the
        key then stays pending until it counts as abandoned."""
        try:
            await work
        except Exception as exc:
            if not _is_database_failure(exc):
                raise
            log.warning("Idempotency-Key %r not recorded: %s", claimed.key, exc)
