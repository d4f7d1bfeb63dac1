"""The Bot Framework's signing keys for one OpenID metadata URL, fetched off the event loop.

botbuilder keeps the keys of each metadata URL in ``JwtTokenExtractor.metadataCache`` and refreshes
them itself, with blocking ``requests`` calls without a timeout, inside the event loop: when they are
a day old, when a token names a key it has not seen, and every time for a URL whose fetch failed
(a failure is not remembered). ``signing_keys(url)`` puts a ``SigningKeys`` in that cache instead:
botbuilder reads the keys from it (``get``) and it never fetches while a request waits on the loop.

``refresh`` fetches the metadata document and its ``jwks_uri`` in a worker thread, each GET limited
to ``FETCH_TIMEOUT`` and the two together to twice that, one refresh at a time; a failed refresh keeps
the keys it had and is logged. ``has(kid)`` answers from memory; for a key it does not know it
refreshes first only if a refresh is under way (a cold start) or none was tried for ``RETRY``
seconds (a rotated key), and waits for it without blocking the loop. So a stream of tokens with
made-up key ids costs at most one refresh a minute.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

from .off_loop import SingleFlight, off_loop

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 10.0
RETRY = 60.0


@dataclass(frozen=True)
class SigningKey:
    """What botbuilder reads of a key (the attributes of its ``_OpenIdConfig``)."""

    public_key: Any
    endorsements: list[str]


class SigningKeys:
    """The keys of one metadata URL, in the shape of botbuilder's ``_OpenIdMetadata``."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._tried_at = float("-inf")
        self._refresh = SingleFlight(self._fetch)

    async def get(self, key_id: str) -> SigningKey | None:
        """botbuilder's lookup, answered from memory."""
        return self._keys.get(key_id)

    async def has(self, kid: str) -> bool:
        """Whether ``kid`` is a known key, refreshing first as the module says."""
        if kid not in self._keys and (self._refresh.running or self._clock() - self._tried_at >= RETRY):
            await self.refresh()
        return kid in self._keys

    async def refresh(self) -> bool:
        """Fetch the keys again (or wait for the refresh under way); False (logged, old keys kept) if that failed."""
        return await self._refresh()

    async def _fetch(self) -> bool:
        self._tried_at = self._clock()
        try:
            self._keys = await off_loop(lambda: _download(self.url), timeout=2 * FETCH_TIMEOUT, name="signing-keys")
        except Exception as exc:  # network, HTTP, JSON and key errors and the time limit alike
            log.warning("could not refresh Bot Framework signing keys: %s", type(exc).__name__)
            return False
        return True


def signing_keys(url: str) -> SigningKeys:
    """The ``SigningKeys`` botbuilder uses for ``url``, put into its cache on first use."""
    keys = JwtTokenExtractor.metadataCache.get(url)
    if not isinstance(keys, SigningKeys):
        keys = JwtTokenExtractor.metadataCache[url] = SigningKeys(url)
    return keys


def _download(url: str) -> dict[str, SigningKey]:
    """The RSA keys the metadata at ``url`` points to, by key id (blocking)."""
    jwks_uri = _get_json(url)["jwks_uri"]
    keys = {}
    for jwk in _get_json(jwks_uri)["keys"]:
        if isinstance(jwk, dict) and jwk.get("kty") == "RSA" and isinstance(jwk.get("kid"), str):
            keys[jwk["kid"]] = SigningKey(RSAAlgorithm.from_jwk(json.dumps(jwk)), list(jwk.get("endorsements") or []))
    if not keys:
        raise ValueError("no RSA signing keys")
    return keys


def _get_json(url: str) -> Any:
    response = requests.get(url, timeout=FETCH_TIMEOUT)
    response.raise_for_status()
    return response.json()
