"""The bearer token the bot sends to the Bot Connector, from botbuilder's own app credentials.

The credentials are the ones botbuilder builds for a Connector client: ``MicrosoftAppCredentials``
for a SingleTenant bot, ``ManagedIdentityAppCredentials`` for a UserAssignedMSI bot, empty ones with
authentication off, when no token is sent (as botbuilder does). Their ``get_access_token`` blocks
(MSAL over ``requests``, without a timeout), so it runs in a worker thread, one fetch at a time,
limited to ``timeout`` seconds (``off_loop``, ``SingleFlight``). A token is reused for ``REUSE`` seconds: MSAL
hands out a cached token only while it has more than five minutes left, so a reused one is never
stale. A failed fetch is remembered for ``RETRY`` seconds, so while Entra is down or slow a request
that needs a token fails at once instead of each waiting for its own fetch.

botbuilder would instead ask the credentials for a token with msrest's blocking ``signed_session``,
inside the event loop, for every Connector request, on credentials it builds afresh for every turn
(so MSAL's own cache never helped). ``BotTokenCredentials`` wraps botbuilder's credentials factory:
it keeps one ``BotToken`` per app id, audience and login endpoint, and hands each Connector client a
``SignedByBotToken``, an msrest pipeline step that awaits the token. A token that cannot be had is a
``TokenError`` from the request that needed it. ``connector_token`` is that same ``BotToken`` for the
default audience, shared with the pages posted straight to the Connector.
"""

import time
from collections.abc import Callable
from typing import Any

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import AppCredentials, AuthenticationConstants, ServiceClientCredentialsFactory
from msrest.pipeline import AsyncHTTPPolicy, Request, Response

from ..errors import TokenError
from .off_loop import SingleFlight, off_loop

REUSE = 120.0
RETRY = 15.0
DEFAULT_TIMEOUT = 10.0
_ANY_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


class BotToken:
    """The ``Authorization`` header for Connector calls; none with authentication off."""

    def __init__(
        self, credentials: AppCredentials, *, timeout: float = DEFAULT_TIMEOUT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.credentials = credentials
        self._timeout = timeout
        self._clock = clock
        self._renew = SingleFlight(self._fetch)
        self._token: str | None = None
        self._fetched_at = 0.0
        self._failure: str | None = None
        self._failed_at = 0.0

    @property
    def enabled(self) -> bool:
        """Whether a token is sent: the app id is set and not the anonymous one (botbuilder's rule)."""
        app_id = self.credentials.microsoft_app_id
        return bool(app_id) and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID

    async def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer …"}``, or nothing with authentication off; TokenError if no token."""
        if not self.enabled:
            return {}
        return {"Authorization": f"Bearer {await self._current()}"}

    async def _current(self) -> str:
        now = self._clock()
        if self._token is not None and now - self._fetched_at <= REUSE:
            return self._token
        if self._failure is not None and now - self._failed_at < RETRY:
            raise TokenError(self._failure)
        return await self._renew()

    async def _fetch(self) -> str:
        try:
            token = await off_loop(self.credentials.get_access_token, timeout=self._timeout, name="bot-token")
        except Exception as exc:  # MSAL, network, managed-identity failures and the time limit alike
            why = f"intet svar inden for {self._timeout:g} s" if isinstance(exc, TimeoutError) else type(exc).__name__
            self._failure, self._failed_at = f"kunne ikke hente adgangstoken til Bot Framework ({why})", self._clock()
            raise TokenError(self._failure) from exc
        self._token, self._fetched_at, self._failure = token, self._clock(), None
        return token


class SignedByBotToken(AsyncHTTPPolicy):
    """botbuilder's credentials for one Connector client: an msrest pipeline step that adds the bot's
    token to each request, awaited instead of msrest's blocking ``signed_session``."""

    def __init__(self, token: BotToken) -> None:
        super().__init__()
        self.token = token

    async def send(self, request: Request, **kwargs: Any) -> Response:
        request.http_request.headers.update(await self.token.headers())
        assert self.next is not None  # msrest links every step to the next one, down to the sender
        return await self.next.send(request, **kwargs)


class BotTokenCredentials(ServiceClientCredentialsFactory):
    """botbuilder's credentials factory, handing out credentials signed by a shared ``BotToken``."""

    def __init__(self, inner: ServiceClientCredentialsFactory, *, timeout: float) -> None:
        self._inner = inner
        self._timeout = timeout
        self._tokens: dict[tuple[str | None, ...], BotToken] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return await self._inner.is_valid_app_id(app_id)

    async def is_authentication_disabled(self) -> bool:
        return await self._inner.is_authentication_disabled()

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> SignedByBotToken:
        key = (app_id, oauth_scope, login_endpoint)
        if key not in self._tokens:
            credentials = await self._inner.create_credentials(app_id, oauth_scope, login_endpoint, validate_authority)
            self._tokens[key] = BotToken(credentials, timeout=self._timeout)
        return SignedByBotToken(self._tokens[key])


async def connector_token(auth: ConfigurationBotFrameworkAuthentication, adapter: CloudAdapter, app_id: str) -> BotToken:
    """The token botbuilder signs Connector calls to the default audience with (turns and proactive sends)."""
    factory = auth.create_connector_factory(adapter.create_claims_identity(app_id or None))
    client = await factory.create(_ANY_SERVICE_URL, None)  # built only for the credentials it carries
    credentials = client.config.credentials
    if not isinstance(credentials, SignedByBotToken):
        raise TypeError("the authentication must come from bot_authentication()")
    return credentials.token
