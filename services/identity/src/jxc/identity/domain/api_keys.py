"""API keys for partner systems: ``jxc_<prefix>_<secret>``. The prefix finds
the key; only the SHA-256 of the whole key is stored (it carries 256 random
bits, so a slow hash adds nothing)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

PREFIX_BYTES = 6
_FORMAT = re.compile(r"^jxc_([0-9a-f]{12})_([A-Za-z0-9_\-]{43})$")
RATE_TIERS = ("standard", "premium")


def new_api_key() -> tuple[str, str, str]:
    """(the key to hand out once, its lookup prefix, the hash to store)."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    key = f"jxc_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_api_key(key)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    """The lookup prefix of a well-formed key; None for anything else."""
    match = _FORMAT.match(key.strip())
    return match.group(1) if match else None


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key.strip()), stored_hash)


def usable(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> bool:
    return revoked_at is None and (expires_at is None or expires_at > now)
