"""Forwarding ``/api/v1/<service>/…`` to the service that owns it, streaming.

Neither body is buffered: the client's body goes upstream as it arrives,
counted against the route's limit (413 ``payload_too_large`` as soon as it is
crossed, or at once from ``Content-Length``), and the service's answer goes
back chunk by chunk. Connections come from one pooled client; each route gets
the timeout of its longest configured path prefix. A service that cannot be
reached answers 503 for its own routes only; one that does not answer in time,
504.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from fastapi import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from jxc.platform.errors import NotFound, Problem, ServiceUnavailable

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailers", "transfer-encoding", "upgrade"})
REQUEST_DROPPED = HOP_BY_HOP | {"host", "x-request-id", "traceparent", "tracestate", "forwarded",
                                "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
                                "x-real-ip"}
"""Set by the gateway itself (the trace context by the httpx instrumentation)."""
RESPONSE_DROPPED = HOP_BY_HOP | {"server", "date", "x-request-id"}
log = logging.getLogger("jxc.gateway.proxy")


class PayloadTooLarge(Problem):
    status, code, title = 413, "payload_too_large", "Payload too large"


class GatewayTimeout(Problem):
    status, code, title = 504, "upstream_timeout", "Gateway timeout"


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than this route accepts "
                           f"({limit} bytes).", limit=limit)


def declared_length(request: Request) -> int | None:
    values = request.headers.getlist("content-length")
    if not values:
        return None
    if len(set(values)) != 1 or not values[0].strip().isdigit():
        raise Problem("Content-Length is not a number")
    return int(values[0])


def has_body(request: Request) -> bool:
    length = declared_length(request)
    return bool(length) or (length is None and "transfer-encoding" in request.headers)


class RequestBody:
    """The client's body as it arrives: counted, optionally hashed, never kept."""

    def __init__(self, request: Request, limit: int, digest: Any = None):
        self.request = request
        self.limit = limit
        self.digest = digest
        self.size = 0
        self.complete = False

    async def stream(self) -> AsyncIterator[bytes]:
        async for chunk in self.request.stream():
            self.size += len(chunk)
            if self.size > self.limit:
                raise too_large(self.limit)
            if self.digest is not None:
                self.digest.update(chunk)
            if chunk:
                yield chunk
        self.complete = True

    async def drain(self) -> None:
        async for _ in self.stream():
            pass


def _connection_tokens(values: list[str]) -> set[str]:
    """Headers named in ``Connection``: hop-by-hop too (RFC 9110 §7.6.1)."""
    return {token.strip().lower() for value in values for token in value.split(",")}


def upstream_headers(request: Request, authorization: str | None,
                     request_id: str) -> list[tuple[str, str]]:
    dropped = REQUEST_DROPPED | _connection_tokens(request.headers.getlist("connection"))
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in dropped]
    if authorization is not None:
        headers = [(k, v) for k, v in headers if k.lower() != "authorization"]
        headers.append(("authorization", authorization))
    headers += [("x-request-id", request_id),
                ("x-forwarded-for", request.client.host if request.client else ""),
                ("x-forwarded-proto", request.url.scheme)]
    if "host" in request.headers:
        headers.append(("x-forwarded-host", request.headers["host"]))
    return headers


async def open_upstream(client: httpx.AsyncClient, base: str | None, service: str,
                        request: Request, *, content: AsyncIterator[bytes] | None,
                        authorization: str | None, timeout: httpx.Timeout) -> httpx.Response:
    """Send the request upstream and return its response with the body still to read."""
    if base is None:
        raise NotFound(f"no service named {service!r}", code="unknown_service")
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    url = base.rstrip("/") + raw_path.decode("latin-1")
    query: bytes = request.scope.get("query_string", b"")
    if query:
        url += "?" + query.decode("latin-1")
    upstream = client.build_request(
        request.method, url, content=content, timeout=timeout,
        headers=upstream_headers(request, authorization, request.state.request_id))
    try:
        return await client.send(upstream, stream=True)
    except (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ConnectError) as exc:
        raise ServiceUnavailable(f"{service} is unavailable", code="upstream_unavailable",
                                 headers={"Retry-After": "2"}) from exc
    except httpx.TimeoutException as exc:
        raise GatewayTimeout(f"{service} did not answer within {timeout.read:g} s") from exc
    except httpx.TransportError as exc:
        raise ServiceUnavailable(f"{service} is unavailable", code="upstream_unavailable",
                                 headers={"Retry-After": "2"}) from exc


def response_headers(upstream: httpx.Response) -> list[tuple[bytes, bytes]]:
    dropped = RESPONSE_DROPPED | _connection_tokens(upstream.headers.get_list("connection"))
    return [(k.lower(), v) for k, v in upstream.headers.raw if k.lower().decode() not in dropped]


class ProxyResponse(Response):
    """The upstream's answer, streamed. With ``keep``, a copy of a body of at
    most ``keep_limit`` bytes is handed to ``keep`` once it has all arrived,
    before the client gets the end of it."""

    def __init__(self, upstream: httpx.Response, extra_headers: dict[str, str] | None = None,
                 keep: Callable[[bytes], Awaitable[None]] | None = None, keep_limit: int = 0):
        self.upstream = upstream
        self.status_code = upstream.status_code
        self.background = None
        self.raw_headers = response_headers(upstream) + [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in (extra_headers or {}).items()]
        self.keep = keep
        self.keep_limit = keep_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kept: list[bytes] | None = [] if self.keep is not None else None
        size = 0
        try:
            await send({"type": "http.response.start", "status": self.status_code,
                        "headers": self.raw_headers})
            async for chunk in self.upstream.aiter_raw():
                if kept is not None:
                    size += len(chunk)
                    if size <= self.keep_limit:
                        kept.append(chunk)
                    else:
                        kept = None
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if kept is not None and self.keep is not None:
                await self.keep(b"".join(kept))
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx.HTTPError as exc:
            # Headers are out: all that is left is to cut the connection, so the
            # client sees an incomplete body rather than a short one.
            log.warning("upstream broke off %s %s: %s", scope["method"], scope["path"], exc)
            raise
        finally:
            await self.upstream.aclose()
