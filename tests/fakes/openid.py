"""A fake Bot Framework token issuer: OpenID metadata, signing keys, channel tokens and the bot's sign-in.

``FakeTokenIssuer`` serves, from its own daemon thread on 127.0.0.1 (a free port):

- ``GET /.well-known/openid-configuration``: ``issuer``, ``jwks_uri``, RS256, ``private_key_jwt``;
- ``GET /keys``: a JWKS with one RSA 2048 public key (``kty``, ``use``, ``kid``, ``n``, ``e``)
  endorsed for the channels given (default ``["msteams"]``);
- ``POST /{tenant}/oauth2/v2.0/token`` (``SIGN_IN_PATH``): Entra's client-credentials answer
  ``{"token_type": "Bearer", "expires_in": 3599, "access_token": "bot-token-N"}``, or, while
  ``sign_in_status`` is set, that status with an ``AADSTS`` error.

A thread, not the test's event loop, because botbuilder's code fetches with the blocking
``requests`` library, and a fake on the loop could not answer a call that blocks it. Every GET is
kept in ``fetched``, every sign-in in ``sign_ins``. ``hold(path)`` keeps requests to a path (or every
sign-in) waiting until the returned event is set, like a slow Microsoft cloud; ``held`` says how
many wait now. A request held longer than ``HOLD_LIMIT`` seconds is answered 504 (a service frozen
by a blocking call cannot release it, and the test then fails instead of hanging).

``sign_in(credentials)`` is what MSAL does for botbuilder's ``MicrosoftAppCredentials``, against
this fake: a blocking POST without a timeout, and ``PermissionError`` for an error answer, as
botbuilder raises it. Tests put it in place of ``get_access_token``: MSAL itself insists on https
and asks login.microsoftonline.com to validate any other authority, so it cannot be pointed at a
loopback fake.

``unsigned_token()`` makes an ``alg: none`` token with any claims.

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
import requests
from botframework.connector.auth import AppCredentials
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_ISSUER = "https://api.botframework.com"
METADATA_PATH = "/.well-known/openid-configuration"
KEYS_PATH = "/keys"
SIGN_IN_PATH = "/oauth2/v2.0/token"
HOLD_LIMIT = 10.0


def new_signing_key() -> rsa.RSAPrivateKey:
    """A fresh RSA 2048 private key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def unsigned_token(claims: dict[str, Any], *, kid: str | None = None) -> str:
    """A JWT with ``alg: none`` and no signature: what anyone can make, claiming anything."""
    return jwt.encode(claims, None, algorithm="none", headers={"kid": kid} if kid else None)


def _b64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


class _DocumentServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _DocumentHandler)
        self.documents: dict[str, Any] = {}
        self.fetched: list[str] = []
        self.sign_ins: list[str] = []
        self.sign_in_status: int | None = None
        self.holds: dict[str, threading.Event] = {}
        self.held = 0
        self.lock = threading.Lock()


class _DocumentHandler(BaseHTTPRequestHandler):
    server: _DocumentServer

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        path = urlsplit(self.path).path
        self.server.fetched.append(path)
        if not self._released(path):
            return
        document = self.server.documents.get(path)
        self._answer(200 if document is not None else 404, document if document is not None else {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        path = urlsplit(self.path).path
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not path.endswith(SIGN_IN_PATH):
            self._answer(404, {"error": "not found"})
            return
        with self.server.lock:
            self.server.sign_ins.append(path)
            number = len(self.server.sign_ins)
        if not self._released(SIGN_IN_PATH):
            return
        if self.server.sign_in_status is not None:
            error = {"error": "temporarily_unavailable", "error_description": "AADSTS90033: the service is unavailable"}
            self._answer(self.server.sign_in_status, error)
            return
        self._answer(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": f"bot-token-{number}"})

    def _released(self, path: str) -> bool:
        """Wait while ``path`` is held; False (answered 504) if it was held past HOLD_LIMIT."""
        gate = self.server.holds.get(path)
        if gate is None:
            return True
        with self.server.lock:
            self.server.held += 1
        released = gate.wait(HOLD_LIMIT)
        with self.server.lock:
            self.server.held -= 1
        if not released:
            self._answer(504, {"error": "held too long"})
        return released

    def _answer(self, status: int, document: Any) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
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
        """Paths of the GETs so far, in order (the keys are cached, so usually one of each)."""
        return list(self._server.fetched) if self._server is not None else []

    @property
    def sign_ins(self) -> list[str]:
        """Paths of the sign-ins (token requests) so far, in order."""
        return list(self._server.sign_ins) if self._server is not None else []

    @property
    def sign_in_status(self) -> int | None:
        """While set, every sign-in is answered with this status and an error (Entra down)."""
        return self._started().sign_in_status

    @sign_in_status.setter
    def sign_in_status(self, status: int | None) -> None:
        self._started().sign_in_status = status

    @property
    def held(self) -> int:
        """How many requests wait on a ``hold`` now."""
        return self._started().held

    def hold(self, path: str) -> threading.Event:
        """Keep requests to ``path`` (``METADATA_PATH``, ``KEYS_PATH`` or ``SIGN_IN_PATH``) waiting
        until the returned event is set (at most HOLD_LIMIT seconds)."""
        gate = self._started().holds[path] = threading.Event()
        return gate

    def sign_in(self, credentials: AppCredentials) -> str:
        """The access token for botbuilder's ``credentials``, as MSAL fetches it (see the module)."""
        response = requests.post(
            f"{self.base_url}/{credentials.tenant}{SIGN_IN_PATH}",
            data={"grant_type": "client_credentials", "client_id": credentials.microsoft_app_id,
                  "scope": f"{credentials.oauth_scope}/.default"},
        )
        answer = response.json()
        if "access_token" not in answer:
            raise PermissionError(f"Failed to get access token with error: {answer.get('error')}")
        return answer["access_token"]

    def _started(self) -> _DocumentServer:
        if self._server is None:
            raise RuntimeError("FakeTokenIssuer is not started")
        return self._server

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
            for gate in self._server.holds.values():
                gate.set()
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
        kid: str | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        """A channel token for the bot ``audience``.

        A negative ``lifetime`` gives an expired token; botbuilder allows 300 s of clock skew,
        so it is rejected only below -300. ``kid`` names another key than the published one.
        ``extra_claims`` are added last and may override.
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
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

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
