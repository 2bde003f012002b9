"""The password policy and Argon2id hashing."""

from __future__ import annotations

from jxc.identity.domain.passwords import (
    DEFAULT_PARAMETERS,
    HashParameters,
    check_password,
    hash_password,
    needs_rehash,
    verify_password,
)


def rules(password: str, username: str = "alice") -> list[str]:
    return [v.rule for v in check_password(password, username)]


def test_a_long_uncommon_password_passes() -> None:
    assert rules("correct horse battery") == []
    assert rules("长城长城长城长城长城长") == []  # length counts characters, not bytes


def test_too_short() -> None:
    assert rules("abc12345") == ["too_short"]
    assert rules("x" * 9) == ["too_short"]
    assert rules("x" * 10) == []


def test_not_the_username_in_any_case() -> None:
    assert rules("Warehouse.Clerk1", "warehouse.clerk1") == ["same_as_username"]


def test_common_passwords_are_refused_in_any_case() -> None:
    assert rules("Password123") == ["too_common"]
    assert rules("qwertyuiop") == ["too_common"]
    assert rules("woaini1314") == ["too_common"]


def test_every_broken_rule_is_listed() -> None:
    assert rules("admin", "admin") == ["too_short", "same_as_username", "too_common"]
    assert rules("          ") == ["blank"]
    assert "too_long" in rules("x" * 201)


def test_hash_is_argon2id_with_the_chosen_parameters() -> None:
    stored = hash_password("s3cret-pass-phrase")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(stored, "s3cret-pass-phrase")
    assert not verify_password(stored, "wrong")
    assert not verify_password(None, "s3cret-pass-phrase")
    assert not verify_password("not a hash", "x")
    assert not needs_rehash(stored, DEFAULT_PARAMETERS)


def test_a_hash_with_old_parameters_needs_rehashing() -> None:
    old = HashParameters(time_cost=1, memory_kib=8192, parallelism=1)
    stored = hash_password("s3cret-pass-phrase", old)
    assert verify_password(stored, "s3cret-pass-phrase", DEFAULT_PARAMETERS)
    assert needs_rehash(stored, DEFAULT_PARAMETERS)
