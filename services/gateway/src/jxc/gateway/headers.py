"""What every answer of the gateway carries, errors included: the request id
and the security headers. Raw ASGI, wrapped around the whole app (outside
Starlette's server-error handler), so that nothing goes out without them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def docs_csp(script_hashes: Iterable[str]) -> str:
    """Swagger UI: its bundle and stylesheet from the CDN, its one inline script
    by hash, the API document from here."""
    cdn = "https://cdn.jsdelivr.net"
    scripts = " ".join(f"'sha256-{h}'" for h in script_hashes)
    return (f"default-src 'none'; script-src {cdn} {scripts}; style-src {cdn} 'unsafe-inline'; "
            "img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'none'")


def request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when sane, else a new one."""
    incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
    text = incoming.decode("latin-1")
    if 0 < len(text) <= 100 and text.isprintable() and text.isascii():
        return text
    return str(uuid.uuid4())


class EdgeHeaders:
    def __init__(self, app: ASGIApp, *, hsts_seconds: int, hsts_always: bool,
                 html_csp: dict[str, str]):
        """``hsts_always``: send Strict-Transport-Security on plain HTTP too (in
        prod TLS ends in front of the gateway); otherwise only over https."""
        self.app = app
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains".encode()
        self.hsts_always = hsts_always
        self.html_csp = {path: csp.encode() for path, csp in html_csp.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        https = scope.get("scheme") == "https"
        csp = self.html_csp.get(scope["path"], API_CSP.encode())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ())
                           if k.lower() != b"x-request-id"]
                present = {k.lower() for k, _ in headers}
                wanted = [(b"x-request-id", rid.encode()),
                          (b"x-content-type-options", b"nosniff"),
                          (b"x-frame-options", b"DENY"),
                          (b"referrer-policy", b"no-referrer"),
                          (b"content-security-policy", csp),
                          (b"cache-control", b"no-store")]
                if self.hsts_always or https:
                    wanted.append((b"strict-transport-security", self.hsts))
                headers += [(k, v) for k, v in wanted if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
