"""The gateway as a streaming reverse proxy: bodies both ways, what goes
upstream (request id, trace context, forwarded headers, raw path and query),
body limits, per-route timeouts, a service down, CORS, security headers and
the merged docs. Real peers on loopback, the session's Redis."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

PROBLEM = "application/problem+json"
MIB = 1024 * 1024


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        yield bytes([sent // size % 256]) * part
        sent += part


def expected_digest(total: int, size: int = 64 * 1024) -> str:
    digest, sent = hashlib.sha256(), 0
    while sent < total:
        part = min(size, total - sent)
        digest.update(bytes([sent // size % 256]) * part)
        sent += part
    return digest.hexdigest()


async def test_streams_both_ways_and_tells_the_service_who_asked(peers: Any,
                                                                gateway: Any) -> None:
    async with gateway() as client:
        # This client sends the trace context below as it is, as a browser would.
        HTTPXClientInstrumentor.uninstrument_client(client)
        auth = peers.bearer()
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
        sent = await client.post(
            "/api/v1/echo/upload/a%2Fb", params=[("x", "1"), ("x", "2"), ("y", "a b")],
            content=chunks(3 * MIB), headers={
                **auth, "X-Request-ID": "req-stream-1",
                "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
                "X-Forwarded-For": "203.0.113.9", "Connection": "keep-alive, x-hop",
                "X-Hop": "secret", "X-Custom": "kept"})
        assert sent.status_code == 200, sent.text
        seen = sent.json()
        assert seen["size"] == 3 * MIB
        assert seen["sha256"] == expected_digest(3 * MIB)
        assert seen["raw_path"] == "/api/v1/echo/upload/a%2Fb"
        assert seen["query"] == "x=1&x=2&y=a+b"
        headers = seen["headers"]
        assert headers["x-request-id"] == "req-stream-1"
        assert headers["traceparent"].split("-")[1] == trace_id
        assert headers["x-forwarded-for"] == "203.0.113.9"
        assert headers["x-forwarded-proto"] == "http"
        assert headers["authorization"] == auth["Authorization"]
        assert headers["x-custom"] == "kept"
        assert "x-hop" not in headers
        assert sent.headers["x-request-id"] == "req-stream-1"
        assert len(sent.headers.get_list("server")) <= 1
        assert len(sent.headers.get_list("date")) == 1

        async with client.stream("GET", "/api/v1/echo/download",
                                 params={"chunks": 8, "size": 512 * 1024},
                                 headers=auth) as download:
            assert download.status_code == 200
            received = [chunk async for chunk in download.aiter_raw()]
        body = b"".join(received)
        assert len(body) == 4 * MIB
        assert body[:1] == b"A" and body[-1:] == b"H"
        assert len(received) > 1  # it came in pieces, as the service sent it

        fresh = await client.get("/api/v1/echo/x", headers=auth)
        assert len(fresh.headers["x-request-id"]) == 36  # a new one when none was sent


async def test_body_limits_by_declared_length_and_by_streamed_count(peers: Any,
                                                                    gateway: Any) -> None:
    limits = {"/": 1000, "/api/v1/echo/imports": 5000}
    async with gateway(gateway_body_limits=limits) as client:
        auth = peers.bearer()
        exact = await client.post("/api/v1/echo/small", content=b"x" * 1000, headers=auth)
        assert exact.status_code == 200
        assert exact.json()["size"] == 1000

        declared = await client.post("/api/v1/echo/small", content=b"x" * 1001, headers=auth)
        assert declared.status_code == 413
        assert declared.headers["content-type"] == PROBLEM
        assert declared.json()["code"] == "payload_too_large"
        assert declared.json()["limit"] == 1000
        anonymous = await client.post("/api/v1/echo/small", content=b"x" * 1001)
        assert anonymous.status_code == 413  # refused before anything else

        streamed = await client.post("/api/v1/echo/streamed", content=chunks(1500, 400),
                                     headers=auth)
        assert streamed.status_code == 413
        assert streamed.json()["code"] == "payload_too_large"
        assert not [s for s in peers.seen if s["path"] == "/api/v1/echo/streamed"]

        bigger = await client.post("/api/v1/echo/imports/products", content=chunks(4000, 400),
                                   headers=auth)
        assert bigger.status_code == 200
        assert bigger.json()["size"] == 4000


async def test_per_route_timeouts_and_a_service_down_only_fail_their_routes(
        peers: Any, gateway: Any) -> None:
    timeouts = {"/": 10, "/api/v1/echo/gate": 0.5}
    async with gateway(gateway_timeouts=timeouts) as client:
        auth = peers.bearer()
        slow = await client.get("/api/v1/echo/gate/never", headers=auth)
        assert slow.status_code == 504
        assert slow.headers["content-type"] == PROBLEM
        assert slow.json()["code"] == "upstream_timeout"

        down = await client.get("/api/v1/gone/anything", headers=auth)
        assert down.status_code == 503
        assert down.headers["content-type"] == PROBLEM
        assert down.json()["code"] == "upstream_unavailable"
        assert down.headers["retry-after"] == "2"

        fine = await client.get("/api/v1/echo/still-here", headers=auth)
        assert fine.status_code == 200

        unknown = await client.get("/api/v1/nowhere/x", headers=auth)
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "unknown_service"


SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
            "referrer-policy": "no-referrer"}


async def test_security_headers_on_every_answer(peers: Any, gateway: Any) -> None:
    async with gateway() as client:
        auth = peers.bearer()
        answers = {
            "ok": await client.get("/api/v1/echo/x", headers=auth),
            "unauthenticated": await client.get("/api/v1/echo/x"),
            "unknown": await client.get("/api/v1/nowhere/x", headers=auth),
            "unrouted": await client.get("/nothing"),
            "health": await client.get("/healthz"),
        }
        for name, answer in answers.items():
            for header, value in SECURITY.items():
                assert answer.headers[header] == value, (name, header)
            assert answer.headers["content-security-policy"].startswith("default-src 'none'")
            assert answer.headers["cache-control"] == "no-store", name
            assert "strict-transport-security" not in answer.headers, name
            assert answer.headers["x-request-id"], name

        cached = await client.get("/api/v1/echo/cached", headers=auth)
        assert cached.headers["cache-control"] == "public, max-age=60"  # the service's own

        docs = await client.get("/docs")
        assert docs.status_code == 200
        csp = docs.headers["content-security-policy"]
        assert "script-src https://cdn.jsdelivr.net 'sha256-" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert "connect-src 'self'" in csp

        behind_tls = await client.get("/api/v1/echo/x",
                                      headers={**auth, "X-Forwarded-Proto": "https"})
        assert behind_tls.headers["strict-transport-security"].startswith("max-age=31536000")

    async with gateway(env="prod") as client:
        answer = await client.get("/healthz")
        assert answer.headers["strict-transport-security"] == (
            "max-age=31536000; includeSubDomains")


async def test_cors_for_the_configured_origins_only(peers: Any, gateway: Any) -> None:
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,idempotency-key,content-type"}
    async with gateway(cors_origins=("https://console.example",)) as client:
        allowed = await client.options("/api/v1/echo/things",
                                       headers={"Origin": "https://console.example",
                                                **preflight})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://console.example"
        assert "idempotency-key" in allowed.headers["access-control-allow-headers"].lower()
        assert allowed.headers["x-content-type-options"] == "nosniff"

        refused = await client.options("/api/v1/echo/things",
                                       headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in refused.headers

        simple = await client.get("/api/v1/echo/x", headers={
            **peers.bearer(), "Origin": "https://console.example"})
        assert simple.headers["access-control-allow-origin"] == "https://console.example"
        assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()

    async with gateway() as client:  # dev: the local console's origins
        local = await client.options("/api/v1/echo/things",
                                     headers={"Origin": "http://localhost:5173", **preflight})
        assert local.headers["access-control-allow-origin"] == "http://localhost:5173"

    async with gateway(env="prod") as client:  # prod: none unless configured
        none = await client.options("/api/v1/echo/things",
                                    headers={"Origin": "http://localhost:5173", **preflight})
        assert "access-control-allow-origin" not in none.headers


async def test_merged_docs_and_event_docs(peers: Any, gateway: Any) -> None:
    async with gateway(public_routes=("POST /api/v1/identity/token",)) as client:
        document = (await client.get("/openapi.json")).json()
        assert "/api/v1/echo/things" in document["paths"]
        assert document["paths"]["/api/v1/identity/token"]["post"]["security"] == []
        schemes = document["components"]["securitySchemes"]
        assert schemes["apiKey"] == {"type": "apiKey", "in": "header", "name": "Authorization",
                                     "description": "`ApiKey <key>`, for partners"}
        assert {"apiKey": []} in document["security"]
        assert "Not available right now: gone" in document["info"]["description"]
        for path in ("/asyncapi", "/asyncapi.json"):
            events = await client.get(path)
            assert events.json()["asyncapi"] == "3.0.0"
        keys = await client.get("/.well-known/jwks.json")
        assert keys.json() == json.loads(json.dumps(peers.issuer.jwks()))
        assert keys.headers["cache-control"] == "public, max-age=300"
