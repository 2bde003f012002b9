"""RFC 9457 problem details for every error a service returns.

Domain and service code raise :class:`Problem` subclasses with a stable
``code``; the handlers installed by :func:`install_error_handlers` turn those,
validation failures, HTTP errors, lost databases and anything unexpected into
``application/problem+json``. A client never sees a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("jxc.errors")


class Problem(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail or self.title)
        self.code = str(extra.pop("code", type(self).code))
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        return problem_body(self.status, self.code, self.title, self.detail, instance,
                            self.errors, **self.extra)


class NotFound(Problem):
    status, code, title = 404, "not_found", "Not found"


class Conflict(Problem):
    status, code, title = 409, "conflict", "Conflict"


class Unauthorized(Problem):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kw: Any):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **kw)


class Forbidden(Problem):
    status, code, title = 403, "forbidden", "Permission denied"


class PreconditionFailed(Problem):
    status, code, title = 412, "precondition_failed", "The resource has changed"


class InvalidInput(Problem):
    status, code, title = 422, "validation_error", "The request is not valid"


class ServiceUnavailable(Problem):
    status, code, title = 503, "service_unavailable", "Service unavailable"


def problem_body(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://jxc.dev/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def unavailable_response(instance: str | None = None) -> JSONResponse:
    """503 for a lost database or broker: the client should retry shortly."""
    return problem_response(problem_body(
        503, "service_unavailable", "Service unavailable",
        "A backing service is unavailable; retry shortly.", instance), {"Retry-After": "2"})


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        errors.append({"field": ".".join(loc[1:] if loc and loc[0] in {"body", "query", "path",
                                                                        "header", "form"} else loc),
                       "in": loc[0] if loc else "body",
                       "message": err.get("msg", "invalid"),
                       "type": err.get("type", "invalid")})
    return errors


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
               412: "precondition_failed", 413: "payload_too_large", 415: "unsupported_media_type",
               422: "validation_error", 429: "rate_limited", 503: "service_unavailable"}


def is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | ConnectionError | TimeoutError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    name = type(exc).__name__
    return name in {"ConnectionDoesNotExistError", "CannotConnectNowError",
                    "InterfaceError", "ConnectionRefusedError"} or (
        exc.__cause__ is not None and exc.__cause__ is not exc
        and is_connection_error(exc.__cause__)
    )


UNSTORABLE_TEXT = frozenset({"CharacterNotInRepertoireError", "UntranslatableCharacterError"})


def is_unstorable_text(exc: BaseException | None) -> bool:
    """PostgreSQL refused a character in the input (a NUL, or one its encoding
    lacks): the caller's mistake, whichever field or parameter carried it."""
    seen = 0
    while exc is not None and seen < 10:
        orig = getattr(exc, "orig", None)
        if type(exc).__name__ in UNSTORABLE_TEXT or type(orig).__name__ in UNSTORABLE_TEXT:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def install_error_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc.body(request.url.path), exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(problem_body(
            422, "validation_error", "The request is not valid",
            "One or more fields are invalid.", request.url.path, _field_errors(exc)))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        title = code.replace("_", " ").capitalize()
        detail = exc.detail if isinstance(exc.detail, str) else title
        return problem_response(problem_body(exc.status_code, code, title, detail,
                                             request.url.path), dict(exc.headers or {}))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_unstorable_text(exc):
            return problem_response(problem_body(
                422, "unstorable_text", "The request is not valid",
                "A text field or parameter contains a character that cannot be stored "
                "(such as U+0000).", request.url.path))
        if is_connection_error(exc):
            log.warning("dependency unavailable on %s: %s", request.url.path, exc)
            return unavailable_response(request.url.path)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(problem_body(
            500, "internal_error", "Internal error",
            "An unexpected error occurred; it has been logged.", request.url.path))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
