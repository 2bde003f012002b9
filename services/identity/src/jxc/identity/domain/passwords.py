"""Passwords: Argon2id hashing and the password policy.

Argon2id parameters (OWASP Password Storage Cheat Sheet, first option):
``memory_cost=19456`` KiB (19 MiB), ``time_cost=2``, ``parallelism=1``. On the
reference 2-core machine one hash or verify costs ~17 ms of CPU, so the two
cores sustain ~110 logins/s, while an attacker with a stolen table still pays
19 MiB and two passes per guess. We do not use argon2-cffi's default (RFC 9106
low-memory: 64 MiB, t=3, p=4, ~150 ms CPU, ~13 logins/s on 2 cores): p>1 only
splits one hash over threads, and a server already runs many logins in
parallel. The parameters are settings (``JXC_ARGON2_*``); every hash carries
its own, and a login with an out-of-date hash stores a new one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200


@dataclass(frozen=True)
class HashParameters:
    time_cost: int = 2
    memory_kib: int = 19456
    parallelism: int = 1


DEFAULT_PARAMETERS = HashParameters()


@lru_cache(maxsize=8)
def _hasher(params: HashParameters) -> PasswordHasher:
    return PasswordHasher(time_cost=params.time_cost, memory_cost=params.memory_kib,
                          parallelism=params.parallelism)


@lru_cache(maxsize=8)
def _dummy_hash(params: HashParameters) -> str:
    # Verifying against this keeps the time of a login with an unknown user
    # equal to one with a wrong password.
    return _hasher(params).hash("not a real password")


def hash_password(password: str, params: HashParameters = DEFAULT_PARAMETERS) -> str:
    return _hasher(params).hash(password)


def verify_password(password_hash: str | None, password: str,
                    params: HashParameters = DEFAULT_PARAMETERS) -> bool:
    try:
        return (_hasher(params).verify(password_hash or _dummy_hash(params), password)
                and password_hash is not None)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, params: HashParameters = DEFAULT_PARAMETERS) -> bool:
    try:
        return _hasher(params).check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# -- policy -----------------------------------------------------------------------

COMMON_PASSWORDS = frozenset({
    "password", "password1", "password12", "password123", "password1234", "passw0rd",
    "p@ssw0rd", "p@ssword123", "123456", "1234567", "12345678", "123456789", "1234567890",
    "12345678910", "0123456789", "0987654321", "9876543210", "1111111111", "0000000000",
    "11111111", "00000000", "88888888", "66666666", "123123123", "123123123123",
    "qwerty", "qwerty123", "qwerty1234", "qwertyuiop", "qwertyuiop123", "1q2w3e4r5t",
    "1qaz2wsx", "1qaz2wsx3edc", "zaq12wsx", "asdfghjkl", "asdfghjkl;", "zxcvbnm",
    "zxcvbnm123", "qazwsxedc", "qazwsxedcrfv", "iloveyou", "iloveyou123", "sunshine",
    "princess", "football", "baseball", "welcome", "welcome123", "welcome1234",
    "letmein", "letmein123", "monkey", "dragon", "dragon1234", "master", "trustno1",
    "abc123", "abc1234567", "abcdefghij", "abcd1234", "a123456789", "aa123456789",
    "admin", "admin123", "admin1234", "admin12345", "administrator", "root", "toor",
    "changeme", "changeme123", "secret", "secret1234", "default", "guest", "test1234",
    "test123456", "testtesttest", "superman", "batman", "michael", "shadow",
    "woaini1314", "woaini520", "5201314520", "1314520520", "5201314", "woaiwojia",
    "aini1314520", "jxc", "jxc123456", "jxcadmin", "jxc-admin", "passwordpassword",
    "letmeinnow", "whatever12", "computer12", "internet12", "starwars12",
})
"""A short deny-list: the most used passwords (global and Chinese lists) and
this product's own name; a breached-password service can replace it later."""


@dataclass(frozen=True)
class PolicyViolation:
    rule: str
    message: str


def check_password(password: str, username: str) -> list[PolicyViolation]:
    """Every rule ``password`` breaks (NIST SP 800-63B: length and a deny-list,
    no composition rules); empty when it is acceptable."""
    normalised = unicodedata.normalize("NFKC", password)
    folded = normalised.casefold()
    broken: list[PolicyViolation] = []
    if len(normalised) < MIN_LENGTH:
        broken.append(PolicyViolation("too_short",
                                      f"must be at least {MIN_LENGTH} characters long"))
    if len(normalised) > MAX_LENGTH:
        broken.append(PolicyViolation("too_long", f"must be at most {MAX_LENGTH} characters"))
    if not normalised.strip():
        broken.append(PolicyViolation("blank", "must not be only spaces"))
    if username and folded == unicodedata.normalize("NFKC", username).casefold():
        broken.append(PolicyViolation("same_as_username", "must not be the username"))
    if folded in COMMON_PASSWORDS or folded.strip() in COMMON_PASSWORDS:
        broken.append(PolicyViolation("too_common", "is one of the most common passwords"))
    return broken
