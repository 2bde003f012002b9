"""Login lockout: after ``threshold`` consecutive failures an account is
locked for ``lock_seconds``. The counter lives in Redis (an adapter); this is
the rule it applies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    lock_seconds: int = 900

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.lock_seconds < 1:
            raise ValueError("lockout threshold and duration must be positive")

    def locks_after(self, consecutive_failures: int) -> bool:
        """True when the failure that brought the count to
        ``consecutive_failures`` locks the account."""
        return consecutive_failures >= self.threshold

    def remaining(self, consecutive_failures: int) -> int:
        """Attempts left before the lock."""
        return max(self.threshold - consecutive_failures, 0)

    @property
    def window_seconds(self) -> int:
        """How long a failure is remembered: consecutive failures spread
        wider than this never add up to a lock."""
        return self.lock_seconds


DEFAULT_PREFIX = "jxc:identity"


def lock_key(username: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}:locked:{username.casefold()}"


def failures_key(username: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}:failures:{username.casefold()}"
