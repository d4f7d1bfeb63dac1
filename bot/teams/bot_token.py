"""The bearer token the bot sends to the Bot Connector, from botbuilder's own app credentials.

The credentials are the ones botbuilder builds for a proactive turn (``connector_credentials``):
``MicrosoftAppCredentials`` for a SingleTenant bot, ``ManagedIdentityAppCredentials`` for a
UserAssignedMSI bot, empty ones with authentication off, when no token is sent (as botbuilder
does). Their ``get_access_token`` blocks (MSAL over ``requests``), so it runs in a worker
thread, one fetch at a time, and the token is reused for ``REUSE`` seconds: MSAL hands out a
cached token only while it has more than five minutes left, so a reused one is never stale.
"""

import asyncio
import time
from collections.abc import Callable

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import AppCredentials, AuthenticationConstants

from ..channels.base import TokenError

REUSE = 120.0
_ANY_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


async def connector_credentials(
    auth: ConfigurationBotFrameworkAuthentication, adapter: CloudAdapter, app_id: str
) -> AppCredentials:
    """The credentials botbuilder signs a proactive Connector call with (for the default audience)."""
    factory = auth.create_connector_factory(adapter.create_claims_identity(app_id or None))
    client = await factory.create(_ANY_SERVICE_URL, None)  # built only for the credentials it carries
    return client.config.credentials


class BotToken:
    """The ``Authorization`` header for Connector calls; none with authentication off."""

    def __init__(self, credentials: AppCredentials, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._credentials = credentials
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._fetched_at = 0.0

    @property
    def enabled(self) -> bool:
        """Whether a token is sent: the app id is set and not the anonymous one (botbuilder's rule)."""
        app_id = self._credentials.microsoft_app_id
        return bool(app_id) and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID

    async def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer …"}``, or nothing with authentication off; TokenError if no token."""
        if not self.enabled:
            return {}
        async with self._lock:
            if self._token is None or self._clock() - self._fetched_at > REUSE:
                try:
                    self._token = await asyncio.to_thread(self._credentials.get_access_token)
                except Exception as exc:  # MSAL, network and managed-identity failures alike: try again later
                    raise TokenError(f"kunne ikke hente adgangstoken til Bot Framework ({type(exc).__name__})") from exc
                self._fetched_at = self._clock()
        return {"Authorization": f"Bearer {self._token}"}
