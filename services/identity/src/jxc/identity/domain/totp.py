"""Time-based one-time passwords (RFC 6238) for MFA: 6 digits, 30 s steps, a
step either side accepted for clock drift, and a used step never accepted
again (replay)."""

from __future__ import annotations

import hmac
import time

import pyotp

DIGITS = 6
INTERVAL = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=username, issuer_name=issuer)


def code_at(secret: str, at: float) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).at(int(at))


def matching_step(secret: str, code: str, *, now: float | None = None,
                  last_used_step: int | None = None) -> int | None:
    """The time step ``code`` belongs to, within the drift window and after
    ``last_used_step``; None when it does not verify."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    at = time.time() if now is None else now
    current = int(at) // INTERVAL
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    found: int | None = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # compare every candidate so timing does not tell which step matched
        if hmac.compare_digest(totp.at(step * INTERVAL), code) and found is None:
            found = step
    if found is None or (last_used_step is not None and found <= last_used_step):
        return None
    return found
