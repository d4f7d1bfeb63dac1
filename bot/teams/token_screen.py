"""Screen an inbound channel token before botbuilder sees it: shape, issuer, algorithm and key id.

botbuilder picks its checks by the token's unverified issuer, and the emulator and skill checks
fetch key metadata with blocking calls inside the event loop, for anyone who sends a token naming
such an issuer, signed or not. The screen passes only a compact JWT (three base64url parts, so ASCII)
from the one channel issuer botbuilder checks (``https://api.botframework.com``, or the configured
override), signed RS256, whose key id is among the known signing keys (``SigningKeys.has``).
Anything else is a ``TokenRefused`` with a Danish reason, and no request leaves the process for it.
Nothing here is verified: the signature, audience, expiry and service URL stay botbuilder's to check.
"""

import re
from typing import Any

import jwt

from .signing_keys import SigningKeys

ALGORITHM = "RS256"  # the only one botbuilder verifies channel tokens with
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


class TokenRefused(Exception):
    """A token turned away by the screen; ``reason`` (Danish, without the token) is for the answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenScreen:
    """Lets through tokens of ``issuer`` signed with one of ``keys``."""

    def __init__(self, *, issuer: str, keys: SigningKeys) -> None:
        self.issuer = issuer
        self.keys = keys

    async def check(self, authorization: str) -> None:
        """Return if the ``Authorization`` header may go on to botbuilder; else TokenRefused."""
        header, claims = unverified(authorization)
        if claims.get("iss") != self.issuer:
            raise TokenRefused("tokenet er ikke udstedt af Bot Framework-kanalen")
        if header.get("alg") != ALGORITHM:
            raise TokenRefused(f"tokenet skal være signeret med {ALGORITHM}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRefused("tokenet mangler nøgle-id (kid)")
        if not await self.keys.has(kid):
            raise TokenRefused("tokenet er signeret med en ukendt nøgle")


def unverified(authorization: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of ``Bearer <JWT>``, unverified; TokenRefused if it is not that."""
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token:
        raise TokenRefused("Authorization skal være «Bearer <token>»")
    if not _JWT.fullmatch(token):
        raise TokenRefused("tokenet er ikke et JWT")
    try:
        return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError):  # bad base64 or JSON, wrong types of standard fields
        raise TokenRefused("tokenet kan ikke læses") from None
