"""A fake Bot Framework token issuer: OpenID metadata, signing keys and channel tokens.

``FakeTokenIssuer`` serves, from its own daemon thread on 127.0.0.1 (a free port):

- ``GET /.well-known/openid-configuration``: ``issuer``, ``jwks_uri``, RS256, ``private_key_jwt``;
- ``GET /keys``: a JWKS with one RSA 2048 public key (``kty``, ``use``, ``kid``, ``n``, ``e``)
  endorsed for the channels given (default ``["msteams"]``).

A thread, not the test's event loop, because botbuilder fetches the metadata with the blocking
``requests`` library from inside the event loop.

``token()`` mints what the Bot Framework channel sends a bot: an RS256 JWT whose header names
the key (``kid``) and whose claims are ``iss``, ``aud`` (the bot's app id), ``serviceurl``,
``nbf``, ``exp`` and ``iat``. botbuilder's parameterized authentication
(``ConfigurationBotFrameworkAuthentication`` with ``TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL =
metadata_url`` and ``TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = issuer``) accepts it for an activity
whose ``channel_id`` is endorsed and whose ``service_url`` equals the ``serviceurl`` claim.
``forged_token()`` signs the same claims with another key under the same ``kid``.

botbuilder caches metadata and keys per metadata URL for the whole process (a day), so
``metadata_url`` carries a query unique to this issuer: a later issuer on a reused port is
still fetched afresh.
"""

import base64
import json
import threading
import time
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_ISSUER = "https://api.botframework.com"
METADATA_PATH = "/.well-known/openid-configuration"
KEYS_PATH = "/keys"


def new_signing_key() -> rsa.RSAPrivateKey:
    """A fresh RSA 2048 private key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


class _DocumentServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _DocumentHandler)
        self.documents: dict[str, Any] = {}
        self.fetched: list[str] = []


class _DocumentHandler(BaseHTTPRequestHandler):
    server: _DocumentServer

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        path = urlsplit(self.path).path
        self.server.fetched.append(path)
        document = self.server.documents.get(path)
        body = json.dumps(document if document is not None else {"error": "not found"}).encode()
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base class signature)
        """Keep test output quiet."""


class FakeTokenIssuer:
    """Issues Bot Framework channel tokens and serves the keys to verify them; use ``with``."""

    def __init__(self, *, issuer: str = DEFAULT_ISSUER, endorsements: Sequence[str] = ("msteams",)) -> None:
        self._issuer = issuer
        self.endorsements = list(endorsements)
        self.key = new_signing_key()
        self.kid = uuid.uuid4().hex
        self._forger: rsa.RSAPrivateKey | None = None
        self._server: _DocumentServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def issuer(self) -> str:
        """The ``iss`` of minted tokens and of the metadata document."""
        return self._issuer

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("FakeTokenIssuer is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        """The OpenID configuration URL, for ``TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL``."""
        return f"{self.base_url}{METADATA_PATH}?issuer={self.kid}"

    @property
    def fetched(self) -> list[str]:
        """Paths requested so far, in order (botbuilder caches, so usually one of each)."""
        return list(self._server.fetched) if self._server is not None else []

    def start(self) -> Self:
        self._server = _DocumentServer()
        public = self.key.public_key().public_numbers()
        self._server.documents = {
            METADATA_PATH: {
                "issuer": self.issuer,
                "jwks_uri": f"{self.base_url}{KEYS_PATH}",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            },
            KEYS_PATH: {
                "keys": [
                    {
                        "kty": "RSA",
                        "use": "sig",
                        "kid": self.kid,
                        "n": _b64url_uint(public.n),
                        "e": _b64url_uint(public.e),
                        "endorsements": self.endorsements,
                    }
                ]
            },
        }
        self._thread = threading.Thread(target=self._server.serve_forever, name="FakeTokenIssuer", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def token(
        self,
        *,
        audience: str,
        service_url: str,
        lifetime: int = 3600,
        issuer: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        """A channel token for the bot ``audience``.

        A negative ``lifetime`` gives an expired token; botbuilder allows 300 s of clock skew,
        so it is rejected only below -300. ``extra_claims`` are added last and may override.
        """
        now = int(time.time())
        expires = now + lifetime
        issued = min(now, expires)
        claims = {
            "iss": self.issuer if issuer is None else issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": issued,
            "exp": expires,
            "iat": issued,
            **(extra_claims or {}),
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def forged_token(
        self,
        *,
        audience: str,
        service_url: str,
        lifetime: int = 3600,
        issuer: str | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        """Like ``token`` but signed by a key the metadata does not publish, under the same ``kid``."""
        if self._forger is None:
            self._forger = new_signing_key()
        return self.token(
            audience=audience,
            service_url=service_url,
            lifetime=lifetime,
            issuer=issuer,
            key=self._forger,
            extra_claims=extra_claims,
        )
