"""Lockout counting and TOTP verification (window, replay)."""

from __future__ import annotations

import pytest

from jxc.identity.domain import totp
from jxc.identity.domain.lockout import LockoutPolicy, failures_key, lock_key


def test_the_nth_consecutive_failure_locks() -> None:
    policy = LockoutPolicy(threshold=5, lock_seconds=900)
    assert [policy.locks_after(n) for n in range(1, 7)] == [False] * 4 + [True, True]
    assert [policy.remaining(n) for n in (0, 1, 4, 5, 9)] == [5, 4, 1, 0, 0]
    assert policy.window_seconds == 900


def test_a_policy_must_be_positive() -> None:
    with pytest.raises(ValueError):
        LockoutPolicy(threshold=0)
    with pytest.raises(ValueError):
        LockoutPolicy(lock_seconds=0)


def test_keys_ignore_the_case_of_the_username() -> None:
    assert lock_key("Alice") == lock_key("alice") != failures_key("alice")


SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_015.0  # 15 s into a step


def test_the_current_code_verifies() -> None:
    code = totp.code_at(SECRET, NOW)
    assert totp.matching_step(SECRET, code, now=NOW) == int(NOW) // 30
    assert totp.matching_step(SECRET, f"{code[:3]} {code[3:]}", now=NOW) is not None


def test_one_step_of_drift_either_side_is_accepted() -> None:
    step = int(NOW) // 30
    assert totp.matching_step(SECRET, totp.code_at(SECRET, NOW - 30), now=NOW) == step - 1
    assert totp.matching_step(SECRET, totp.code_at(SECRET, NOW + 30), now=NOW) == step + 1


def test_codes_outside_the_window_are_refused() -> None:
    assert totp.matching_step(SECRET, totp.code_at(SECRET, NOW - 60), now=NOW) is None
    assert totp.matching_step(SECRET, totp.code_at(SECRET, NOW + 60), now=NOW) is None


def test_a_used_code_is_never_accepted_again() -> None:
    code = totp.code_at(SECRET, NOW)
    step = totp.matching_step(SECRET, code, now=NOW)
    assert totp.matching_step(SECRET, code, now=NOW, last_used_step=step) is None
    earlier = totp.code_at(SECRET, NOW - 30)
    assert totp.matching_step(SECRET, earlier, now=NOW, last_used_step=step) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12345x",
                                  "\uff11\uff12\uff13\uff14\uff15\uff16"])
def test_malformed_codes_are_refused(code: str) -> None:
    assert totp.matching_step(SECRET, code, now=NOW) is None


def test_enrolment_uri_names_the_account_and_issuer() -> None:
    secret = totp.new_secret()
    assert len(secret) == 32
    uri = totp.provisioning_uri(secret, "张三", "JXC")
    assert uri.startswith("otpauth://totp/JXC:") and f"secret={secret}" in uri
    assert "issuer=JXC" in uri
