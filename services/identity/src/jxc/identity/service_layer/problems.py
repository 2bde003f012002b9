"""Problems identity answers with besides the platform's own."""

from __future__ import annotations

from typing import Any

from jxc.platform.errors import Problem


class AccountLocked(Problem):
    status, code, title = 423, "account_locked", "Account locked"

    def __init__(self, retry_after: int, **extra: Any):
        super().__init__(
            "too many failed logins; the account is locked for a while",
            headers={"Retry-After": str(retry_after)}, retry_after=retry_after, **extra)
