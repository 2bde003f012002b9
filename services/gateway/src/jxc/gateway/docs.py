"""One OpenAPI document for the whole API, merged from every service's.

Besides joining paths and schemas, it tells the truth about errors: every
service answers them as RFC 9457 ``application/problem+json`` (FastAPI's own
documents say ``application/json`` ``HTTPValidationError`` for 422), and the
gateway adds its own (401, 413, 429, 503, 504). So each operation's 422 and
its ``4XX``/``5XX`` ranges are documented as the ``Problem`` schema.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

log = logging.getLogger("jxc.gateway.docs")
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object",
    "description": "RFC 9457 problem details; `code` is stable, `errors` lists field errors.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "code": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "in": {"type": "string"},
            "message": {"type": "string"}, "type": {"type": "string"}}}}}}


def problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {
        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def document_errors(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if "422" in responses:
        responses["422"] = problem("The request is not valid")
    responses.setdefault("4XX", problem("The caller's mistake, refused"))
    responses.setdefault("5XX", problem("Unavailable or out of time: retry later"))


async def merged_openapi(client: httpx.AsyncClient, upstreams: dict[str, str],
                         version: str, public_routes: tuple[str, ...] = ()) -> dict[str, Any]:
    async def fetch(service: str, base: str) -> tuple[str, dict[str, Any] | None]:
        try:
            response = await client.get(f"{base.rstrip('/')}/openapi.json", timeout=5.0)
            response.raise_for_status()
            return service, response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("no OpenAPI from %s: %s", service, exc)
            return service, None

    documents = await asyncio.gather(*(fetch(s, b) for s, b in upstreams.items()))
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "JXC API", "version": version,
                 "description": "Every service of JXC behind one gateway. Authenticate with "
                                "POST /api/v1/identity/token, then send "
                                "`Authorization: Bearer <access_token>`; partners send "
                                "`Authorization: ApiKey <key>`. Requests are rate-limited "
                                "(429 with `Retry-After`); every POST accepts "
                                "`Idempotency-Key`. The event stream is documented as "
                                "AsyncAPI at [/asyncapi.json](/asyncapi.json)."},
        "paths": {}, "components": {"schemas": {"Problem": PROBLEM_SCHEMA}, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "Authorization",
                       "description": "`ApiKey <key>`, for partners"}}},
        "security": [{"bearer": []}, {"apiKey": []}], "tags": [],
    }
    public = {(method.lower(), path) for method, _, path in
              (route.partition(" ") for route in public_routes)}
    unavailable = []
    for service, document in documents:
        if document is None:
            unavailable.append(service)
            continue
        merged["tags"].append({"name": service})
        for path, operations in document.get("paths", {}).items():
            if path.startswith("/api/") or path.startswith("/.well-known/"):
                merged["paths"][path] = operations
                for method, operation in operations.items():
                    if method not in METHODS or not isinstance(operation, dict):
                        continue
                    document_errors(operation)
                    if (method, path) in public or path.startswith("/.well-known/"):
                        operation["security"] = []
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            merged["components"]["schemas"].setdefault(name, schema)
    if unavailable:
        merged["info"]["description"] += f"\n\nNot available right now: {', '.join(unavailable)}."
    return merged
