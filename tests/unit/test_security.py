from datetime import timedelta

import pytest

from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import InvalidCursorError, UnauthenticatedError
from chalicelib.core.jwt import TokenSigner
from chalicelib.core.passwords import hash_password, verify_password
from tests.factories import FIXED_NOW

SECRET = "s" * 40


def test_cursor_round_trip_and_scope_binding() -> None:
    codec = CursorCodec(SECRET)
    cursor = codec.encode({"PK": "CUSTOMER#1", "SK": "PROFILE"}, "customers:a")
    assert cursor is not None
    assert codec.decode(cursor, "customers:a") == {"PK": "CUSTOMER#1", "SK": "PROFILE"}
    with pytest.raises(InvalidCursorError):
        codec.decode(cursor, "customers:b")  # a cursor from another query


@pytest.mark.parametrize("forged", ["abc", "!!!!", "x" * 3000, "eyJQSyI6IkNVU1RPTUVSIzEifQ"])
def test_forged_cursors_are_rejected(forged: str) -> None:
    with pytest.raises(InvalidCursorError):
        CursorCodec(SECRET).decode(forged, "customers:a")


def test_cursor_signed_with_another_secret_is_rejected() -> None:
    cursor = CursorCodec("o" * 40).encode({"PK": "x"}, "s")
    with pytest.raises(InvalidCursorError):
        CursorCodec(SECRET).decode(cursor, "s")


def test_tokens_expire_and_are_bound_to_their_audience() -> None:
    signer = TokenSigner(SECRET, timedelta(minutes=30))
    token = signer.issue("emp-1", "admin", "clientele:admin", FIXED_NOW)
    claims = signer.verify(token, "clientele:admin", FIXED_NOW + timedelta(minutes=29))
    assert (claims.subject, claims.role) == ("emp-1", "admin")
    with pytest.raises(UnauthenticatedError):
        signer.verify(token, "clientele:admin", FIXED_NOW + timedelta(minutes=30))
    with pytest.raises(UnauthenticatedError):
        signer.verify(token, "clientele:store", FIXED_NOW)


def test_forged_or_tampered_tokens_are_rejected() -> None:
    signer = TokenSigner(SECRET, timedelta(minutes=30))
    token = signer.issue("emp-1", "support", "clientele:admin", FIXED_NOW)
    other = TokenSigner("z" * 40, timedelta(minutes=30))
    for forged in (
        "not-a-token",
        token[:-3] + "abc",
        other.issue("emp-1", "admin", "clientele:admin", FIXED_NOW),
    ):
        with pytest.raises(UnauthenticatedError):
            signer.verify(forged, "clientele:admin", FIXED_NOW)


def test_a_token_is_verified_once_and_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    import jwt

    decoded: list[str] = []
    decode = jwt.decode

    def counting_decode(token: str, *args: object, **kwargs: object) -> object:
        decoded.append(token)
        return decode(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counting_decode)
    signer = TokenSigner(SECRET, timedelta(minutes=30))
    token = signer.issue("emp-1", "admin", "clientele:admin", FIXED_NOW)
    for minutes in (0, 10, 29):
        claims = signer.verify(token, "clientele:admin", FIXED_NOW + timedelta(minutes=minutes))
        assert claims.subject == "emp-1"
    assert decoded == [token]
    with pytest.raises(UnauthenticatedError, match="expired"):
        signer.verify(token, "clientele:admin", FIXED_NOW + timedelta(minutes=30))
    # A token that failed is checked again on every call: nothing about it is remembered.
    for _ in range(2):
        with pytest.raises(UnauthenticatedError):
            signer.verify(token[:-3] + "abc", "clientele:admin", FIXED_NOW)
    assert len(decoded) == 3


def test_passwords_are_hashed_with_argon2id() -> None:
    hashed = hash_password("a long passphrase")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long passphrase")
    assert not verify_password(hashed, "another passphrase")
    assert not verify_password(None, "a long passphrase")
    assert not verify_password("garbage", "a long passphrase")
