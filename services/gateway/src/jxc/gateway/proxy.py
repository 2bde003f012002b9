"""Forwarding ``/api/v1/<service>/…`` to the service that owns it."""

from __future__ import annotations

import uuid

import httpx
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response, StreamingResponse

from jxc.platform.errors import NotFound, ServiceUnavailable

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailers", "transfer-encoding", "upgrade", "host",
                        "content-length"})


class RequestIdMiddleware(BaseHTTPMiddleware):
    """Every request gets an id (the caller's ``X-Request-ID`` if sane), sent
    upstream and returned on every response, errors included."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        incoming = request.headers.get("x-request-id", "")
        rid = incoming if 0 < len(incoming) <= 100 and incoming.isprintable() else str(
            uuid.uuid4())
        request.state.request_id = rid
        response = await call_next(request)
        response.headers["x-request-id"] = rid
        return response


async def forward(client: httpx.AsyncClient, upstreams: dict[str, str], service: str,
                  request: Request) -> StreamingResponse:
    rid: str = request.state.request_id
    base = upstreams.get(service)
    if base is None:
        raise NotFound(f"no service named {service!r}", code="unknown_service")
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP
               and k.lower() not in {"x-request-id", "traceparent", "tracestate"}]
    headers += [("x-request-id", rid), ("x-forwarded-for", request.client.host
                                        if request.client else "")]
    upstream = client.build_request(
        request.method, f"{base.rstrip('/')}{request.url.path}",
        params=request.query_params.multi_items(), headers=headers, content=request.stream())
    try:
        response = await client.send(upstream, stream=True)
    except httpx.TimeoutException as exc:
        raise ServiceUnavailable(f"{service} did not answer in time", code="upstream_timeout",
                                 headers={"Retry-After": "2"}) from exc
    except httpx.TransportError as exc:
        raise ServiceUnavailable(f"{service} is unavailable", code="upstream_unavailable",
                                 headers={"Retry-After": "2"}) from exc
    out_headers = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
    return StreamingResponse(response.aiter_raw(), status_code=response.status_code,
                             headers=out_headers, background=BackgroundTask(response.aclose))
