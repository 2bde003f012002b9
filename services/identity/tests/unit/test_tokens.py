import jwt

from jxc.identity.domain.passwords import hash_password, verify_password
from jxc.identity.domain.tokens import (
    AccessClaims,
    SigningKey,
    hash_refresh_token,
    new_refresh_token,
    sign_access_token,
)


def test_access_token_verifies_with_the_published_key() -> None:
    key = SigningKey.generate()
    token = sign_access_token(key, AccessClaims("u1", "alice", ["sales:read"], ["b1"], None),
                              "jxc", "jxc", 900, now=1_700_000_000)
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    public = jwt.PyJWK(key.public_jwk)
    claims = jwt.decode(token, public.key, algorithms=["EdDSA"], audience="jxc",
                        options={"verify_exp": False})
    assert claims["sub"] == "u1"
    assert claims["typ"] == "access"
    assert claims["perms"] == ["sales:read"]
    assert claims["branches"] == ["b1"]
    assert "warehouses" not in claims
    assert claims["exp"] - claims["iat"] == 900


def test_passwords() -> None:
    stored = hash_password("s3cret")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "s3cret")
    assert not verify_password(stored, "wrong")
    assert not verify_password(None, "s3cret")


def test_refresh_tokens_are_random_and_stored_hashed() -> None:
    first, first_hash = new_refresh_token()
    second, _ = new_refresh_token()
    assert first != second
    assert hash_refresh_token(first) == first_hash != first
