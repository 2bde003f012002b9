"""The audit trail's producing side: every mutating API request and every
security event becomes an :class:`~jxc.contracts.audit.AuditRecorded` on
``audit.events.v1``, published through the service's own outbox. Identity
consumes the topic and keeps the trail.

:class:`AuditMiddleware` (raw ASGI, installed by
:func:`jxc.platform.app.create_app` for the api roles unless
``JXC_AUDIT_ENABLED=false``) watches every POST, PUT, PATCH and DELETE under
``/api/`` and, once the response has gone out, writes one record: the
caller the auth dependency or the idempotency middleware verified (``""``
when anonymous or unauthenticated), ``<METHOD> <route template>``, the
concrete path, the status and its outcome (2xx/3xx ``success``, 401/403
``denied``, other 4xx ``failed``, 5xx ``error``), where the request came from,
its ``X-Request-ID`` and the trace id. Requests refused before any route ran
(a 401 from auth, a 422 from the idempotency middleware) are recorded the same
way. ``detail`` stays small: whether the answer was an idempotent replay, the
``Location`` of what was created, a problem's ``code``/``reason``/``missing``
permissions, and whatever a route added with :func:`annotate` (before/after
where cheap). Request bodies are never read, so passwords, tokens and API keys
sent to identity cannot end up in the trail.

Trade-off: the record is written after the response, in a short transaction
of its own (:mod:`jxc.platform.audit_writer` batches them, one task per
process), not in the route's business transaction. The route's work can
therefore commit while its record is lost — the database went away in
between, or the process died with the record still queued; such a loss is
logged at ERROR with the whole record and counted in
``jxc_audit_write_failures_total{service}``, and never changes what the client
got. Writing it inside the business transaction would need every route's
cooperation, would make a failing audit write fail the business, and would
have nothing to say about requests refused before a route ran. Once the
record is in the outbox, the relay delivers it at least once (identity's
inbox drops duplicates).

Security events that are not an HTTP outcome of their own (a login that
failed, an account locked, a role changed) are recorded by the service inside
its business transaction with :func:`record_security_event`, so they are
atomic with the change they describe.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jxc.contracts.audit import AuditRecorded
from jxc.platform.audit_writer import AuditWriter, lose
from jxc.platform.auth import Principal
from jxc.platform.envelope import new_id
from jxc.platform.errors import PROBLEM_JSON, is_connection_error
from jxc.platform.observability.metrics import AUDIT_WRITE_FAILURES
from jxc.platform.outbox import emit

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/"
OUTCOMES = frozenset({"success", "denied", "failed", "error"})
MAX_USER_AGENT = 200
MAX_REQUEST_ID = 100
MAX_LOCATION = 300
MAX_PROBLEM_BYTES = 8192
MAX_NOTES_BYTES = 4096
NOTES_KEY = "audit_notes"
INTERNAL_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7"))
"""Peers inside the deployment (loopback, RFC 1918, IPv6 unique local): the gateway."""
log = logging.getLogger("jxc.audit")


# -- where a request came from -----------------------------------------------

def _header(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == name]


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_internal(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in INTERNAL_NETWORKS)


def client_ip(scope: Scope) -> str:
    """The caller's address. A request from inside the deployment (a peer in
    :data:`INTERNAL_NETWORKS`: the gateway) that carries ``X-Forwarded-For`` is from the
    address the gateway saw, which is the *last* entry — the gateway appends it
    to whatever the client sent, so earlier entries are only the client's word.
    Anyone else is the peer address itself."""
    peer = scope.get("client")
    host = str(peer[0]) if peer else ""
    hops = [hop.strip() for value in _header(scope, b"x-forwarded-for")
            for hop in value.split(",") if hop.strip()]
    if hops and _is_internal(host) and _is_ip(hops[-1]):
        return hops[-1]
    return host


def request_origin(request: Request) -> dict[str, str]:
    """``ip``, ``user_agent`` and ``request_id`` of a request, as keyword
    arguments for :func:`record_security_event`."""
    return _origin(request.scope)


def _origin(scope: Scope) -> dict[str, str]:
    agents = _header(scope, b"user-agent")
    request_ids = _header(scope, b"x-request-id")
    return {"ip": client_ip(scope),
            "user_agent": agents[0][:MAX_USER_AGENT] if agents else "",
            "request_id": request_ids[0][:MAX_REQUEST_ID] if request_ids else ""}


def current_trace_id() -> str:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""


def outcome_of(status: int) -> str:
    if status in (401, 403):
        return "denied"
    if status >= 500:
        return "error"
    if status >= 400:
        return "failed"
    return "success"


def annotate(request: Request, **detail: Any) -> None:
    """Add cheap context to this request's audit record — ids, or before/after
    of the few fields a route changed. Never secrets; JSON values only; what
    goes past a few KiB is dropped."""
    request.scope.setdefault("state", {}).setdefault(NOTES_KEY, {}).update(detail)


# -- what the response said --------------------------------------------------

@dataclass
class ResponseSeen:
    status: int | None = None
    replayed: bool = False
    location: str = ""
    problem: bool = False
    body: list[bytes] = field(default_factory=list)
    body_size: int = 0

    def observe(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            for raw_name, value in message.get("headers", ()):
                name = raw_name.lower()
                if name == b"idempotent-replayed":
                    self.replayed = value.lower() == b"true"
                elif name == b"location":
                    self.location = value.decode("latin-1")[:MAX_LOCATION]
                elif name == b"content-type":
                    self.problem = value.startswith(PROBLEM_JSON.encode())
        elif message["type"] == "http.response.body" and self.problem:
            chunk = message.get("body", b"")
            if self.body_size + len(chunk) <= MAX_PROBLEM_BYTES:
                self.body.append(chunk)
            self.body_size += len(chunk)

    def detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {}
        if self.replayed:
            detail["idempotent_replay"] = True
        if self.location:
            detail["location"] = self.location
        detail.update(self._problem())
        return detail

    def _problem(self) -> dict[str, Any]:
        if not self.problem or self.body_size > MAX_PROBLEM_BYTES:
            return {}
        try:
            problem = json.loads(b"".join(self.body))
        except ValueError:
            return {}
        if not isinstance(problem, dict):
            return {}
        kept: dict[str, Any] = {f"problem_{k}": problem[k][:100] for k in ("code", "reason")
                                if isinstance(problem.get(k), str)}
        missing = problem.get("missing")
        if isinstance(missing, list) and all(isinstance(m, str) for m in missing):
            kept["missing"] = missing[:20]
        return kept


def _notes(scope: Scope) -> dict[str, Any]:
    """What routes added with :func:`annotate`, as plain JSON (a Decimal
    becomes its exact string), or a marker when it was too big to keep."""
    notes = scope.get("state", {}).get(NOTES_KEY)
    if not notes:
        return {}
    try:
        encoded = json.dumps(notes, default=str)
    except (TypeError, ValueError) as exc:
        log.warning("audit notes on %s dropped: %s", scope["path"], exc)
        return {"notes_dropped": True}
    if len(encoded) > MAX_NOTES_BYTES:
        log.warning("audit notes on %s dropped: %d bytes", scope["path"], len(encoded))
        return {"notes_dropped": True}
    kept: dict[str, Any] = json.loads(encoded)
    return kept


# -- the middleware ----------------------------------------------------------

class AuditMiddleware:
    """One :class:`AuditRecorded` per mutating ``/api/`` request, handed to
    the runtime's :class:`~jxc.platform.audit_writer.AuditWriter` once the
    response is on its way; see the module docstring for what goes into it."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in MUTATING
                or not scope["path"].startswith(API_PREFIX)):
            await self.app(scope, receive, send)
            return
        occurred_at = datetime.now(UTC)
        trace_id = current_trace_id()
        seen = ResponseSeen()

        async def watch(message: Message) -> None:
            seen.observe(message)
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            # The error handler outside answers 503 for a lost dependency, else 500.
            self._submit(scope, occurred_at, trace_id,
                         seen.status or (503 if is_connection_error(exc) else 500), seen)
            raise
        if seen.status is not None:  # else the client left before anything ran
            self._submit(scope, occurred_at, trace_id, seen.status, seen)

    def _submit(self, scope: Scope, occurred_at: datetime, trace_id: str, status: int,
                seen: ResponseSeen) -> None:
        """Never raises: a lost record must not become an error anyone sees."""
        record: AuditRecorded | None = None
        try:
            record = self._record(scope, occurred_at, trace_id, status, seen)
            writer: AuditWriter | None = getattr(
                getattr(scope["app"].state, "runtime", None), "audit", None)
            if writer is None:
                raise RuntimeError("the service has no audit writer running")
            writer.submit(record)
        except Exception as exc:
            if record is None:
                log.exception("audit record for %s %s not made", scope["method"], scope["path"])
                AUDIT_WRITE_FAILURES.labels(self.service).inc()
            else:
                lose(self.service, [record], exc)

    def _record(self, scope: Scope, occurred_at: datetime, trace_id: str, status: int,
                seen: ResponseSeen) -> AuditRecorded:
        principal = scope.get("state", {}).get("principal")
        actor = principal if isinstance(principal, Principal) else None
        route = getattr(scope.get("route"), "path", None)
        return AuditRecorded(
            record_id=new_id(), source_service=self.service, occurred_at=occurred_at,
            actor_id=actor.subject if actor else "", actor_name=actor.username if actor else "",
            actor_kind=actor.kind if actor else "user",
            action=f"{scope['method']} {route or scope['path']}"[:200],
            resource=scope["path"], outcome=outcome_of(status), status_code=status,
            trace_id=trace_id, detail={**seen.detail(), **_notes(scope)}, **_origin(scope))


# -- security events inside a service's own transaction ----------------------

async def record_security_event(
    session: AsyncSession,
    *,
    service: str,
    action: str,
    actor_id: str = "",
    actor_name: str = "",
    resource: str = "",
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
    ip: str = "",
    request_id: str = "",
    user_agent: str = "",
    actor_kind: str = "user",
) -> uuid.UUID:
    """Stage an audit record for a security event (``login.failed``,
    ``account.locked``, ``role.changed``…) in the caller's transaction: it is
    published if, and only if, that transaction commits. ``detail`` must never
    carry secrets (passwords, tokens, key material). Returns the outbox event id."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}, not {outcome!r}")
    record = AuditRecorded(
        record_id=new_id(), source_service=service, occurred_at=datetime.now(UTC),
        actor_id=actor_id, actor_name=actor_name, actor_kind=actor_kind, action=action,
        resource=resource, outcome=outcome, ip=ip, user_agent=user_agent[:MAX_USER_AGENT],
        request_id=request_id[:MAX_REQUEST_ID], trace_id=current_trace_id(),
        detail=detail or {})
    return await emit(session, record)
