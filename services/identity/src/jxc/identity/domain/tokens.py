"""Access token claims and signing keys."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    public_jwk: dict[str, Any]

    @classmethod
    def generate(cls) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        public = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
        kid = hashlib.sha256(public["x"].encode()).hexdigest()[:16]
        return cls(kid, pem, {**public, "kid": kid, "alg": "EdDSA", "use": "sig"})


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    username: str
    permissions: list[str]
    branches: list[str] | None
    warehouses: list[str] | None
    amr: tuple[str, ...] = ()
    """How the subject authenticated (RFC 8176): ``pwd``, ``otp``."""
    kind: str = "user"
    """``user`` or ``api_key``."""
    rate_tier: str | None = None
    password_change_required: bool = False
    """A user who must change a temporary password gets a token with no
    permissions that only lets them do so."""


def sign_access_token(key: SigningKey, claims: AccessClaims, issuer: str, audience: str,
                      lifetime_seconds: int, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    payload: dict[str, Any] = {
        "iss": issuer, "aud": audience, "sub": claims.subject, "iat": issued,
        "exp": issued + lifetime_seconds, "typ": "access", "jti": secrets.token_hex(8),
        "preferred_username": claims.username, "perms": claims.permissions}
    payload["kind"] = claims.kind
    if claims.amr:
        payload["amr"] = list(claims.amr)
    if claims.rate_tier is not None:
        payload["rate_tier"] = claims.rate_tier
    if claims.password_change_required:
        payload["pwd_change"] = True
    if claims.branches is not None:
        payload["branches"] = claims.branches
    if claims.warehouses is not None:
        payload["warehouses"] = claims.warehouses
    private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
    return jwt.encode(payload, private, algorithm="EdDSA",  # type: ignore[arg-type]
                      headers={"kid": key.kid})


def new_refresh_token() -> tuple[str, str]:
    """A refresh token and the hash under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
