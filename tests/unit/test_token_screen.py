"""The token screen reads any Authorization header unverified: the header and claims of a JWT, or a
TokenRefused with a Danish reason, never another error (which would be a 500)."""

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from bot.teams.token_screen import TokenRefused, unverified

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def part(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def read(authorization: str) -> tuple[dict, dict] | str:
    try:
        return unverified(authorization)
    except TokenRefused as refused:
        return refused.reason


def assert_read_or_refused(result: tuple[dict, dict] | str) -> None:
    if isinstance(result, str):
        assert result.startswith(("Authorization", "tokenet"))
    else:
        header, claims = result
        assert isinstance(header, dict) and isinstance(claims, dict)


@given(st.text())
def test_any_text_is_read_or_refused(text: str) -> None:
    assert_read_or_refused(read(text))
    assert_read_or_refused(read(f"Bearer {text}"))


@given(header=JSON | st.dictionaries(st.sampled_from(["alg", "kid", "typ"]), JSON), claims=JSON, signature=st.text("abc-_"))
def test_any_json_in_a_jwt_is_read_as_objects_or_refused(header, claims, signature: str) -> None:
    assert_read_or_refused(read(f"Bearer {part(header)}.{part(claims)}.{signature}"))


def test_the_reasons_say_what_is_wrong() -> None:
    assert read("Basic dXNlcjpwYXNz") == "Authorization skal være «Bearer <token>»"
    assert read("Bearer æøå.æøå.æøå") == "tokenet er ikke et JWT"
    assert read(f"Bearer {part([1])}.{part({})}.x") == "tokenet kan ikke læses"
    assert read(f"Bearer {part({'alg': 'none'})}.{part({'iss': 'x'})}.") == ({"alg": "none"}, {"iss": "x"})
