"""One OpenAPI document for the whole API, merged from every service's."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

log = logging.getLogger("jxc.gateway.docs")


async def merged_openapi(client: httpx.AsyncClient, upstreams: dict[str, str],
                         version: str) -> dict[str, Any]:
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
                                "`Authorization: Bearer <access_token>`. The event stream is "
                                "documented as AsyncAPI at [/asyncapi.json](/asyncapi.json)."},
        "paths": {}, "components": {"schemas": {}, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "security": [{"bearer": []}], "tags": [],
    }
    unavailable = []
    for service, document in documents:
        if document is None:
            unavailable.append(service)
            continue
        merged["tags"].append({"name": service})
        for path, operations in document.get("paths", {}).items():
            if path.startswith("/api/") or path.startswith("/.well-known/"):
                merged["paths"][path] = operations
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            merged["components"]["schemas"].setdefault(name, schema)
    if unavailable:
        merged["info"]["description"] += f"\n\nNot available right now: {', '.join(unavailable)}."
    return merged
