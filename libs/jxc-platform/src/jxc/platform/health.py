"""``/healthz`` (the process is alive) and ``/readyz`` (it can do its work:
database reachable, migrations at head, broker reachable)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jxc.platform.errors import PROBLEM_JSON, problem_body

Check = Callable[[], Awaitable[bool]]

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness", response_model=None)
async def readyz(request: Request) -> JSONResponse | dict[str, object]:
    checks: dict[str, Check] = request.app.state.readiness_checks
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            ok = await asyncio.wait_for(check(), timeout=3.0)
        except Exception:
            ok = False
        results[name] = "ok" if ok else "failing"
    if all(v == "ok" for v in results.values()):
        return {"status": "ready", "checks": results}
    failing = ", ".join(k for k, v in results.items() if v != "ok")
    body = problem_body(503, "not_ready", "Not ready", f"failing: {failing}", "/readyz")
    body["checks"] = results
    return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)
