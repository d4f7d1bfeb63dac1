"""Signed, expiring links to a crisis's exported logbog, for people in Teams.

``eksport`` in Teams answers with a link; the link carries its expiry and an HMAC-SHA256 of
the crisis id, the format and the expiry under a key made at start-up, so it works for an
hour and only until the service restarts. ``GET /api/export/{crisis}.{md|html|pdf}`` checks it;
whatever a client puts in ``expires`` and ``sig`` (other digits, huge numbers, any text) is
simply not valid.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from .clock import Clock

LIFETIME = timedelta(hours=1)
FORMATS = {"md": "text/markdown", "html": "text/html", "pdf": "application/pdf"}
EXPIRES_DIGITS = 12
"""Digits an expiry may have (seconds since 1970: 10 digits until the year 2286)."""


class ExportLinks:
    """Makes and checks export links for one running service."""

    def __init__(self, *, base_url: str, clock: Clock, key: bytes | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self._key = key or secrets.token_bytes(32)

    def link(self, crisis_id: str, fmt: str) -> str:
        """A URL that serves the crisis's logbog in ``fmt`` (one of ``FORMATS``) for ``LIFETIME``."""
        expires = int((self._clock() + LIFETIME).timestamp())
        return f"{self._base_url}/api/export/{crisis_id}.{fmt}?expires={expires}&sig={self._sign(crisis_id, fmt, expires)}"

    def valid(self, crisis_id: str, fmt: str, expires: str, signature: str) -> bool:
        """True if the link is ours, unchanged and not expired."""
        if fmt not in FORMATS or not (expires.isascii() and expires.isdigit() and len(expires) <= EXPIRES_DIGITS):
            return False
        if int(expires) < self._clock().timestamp():
            return False
        expected = self._sign(crisis_id, fmt, int(expires)).encode()
        return hmac.compare_digest(expected, signature.encode(errors="surrogatepass"))

    def _sign(self, crisis_id: str, fmt: str, expires: int) -> str:
        message = f"{crisis_id}\n{fmt}\n{expires}".encode(errors="surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
