"""Build the Bot Framework adapter and authentication from Settings.

With no app id, authentication is off in both directions (local runs, Agents Playground) and an
``Authorization`` header is ignored. With an app id, inbound tokens pass the ``TokenScreen`` and are
then checked by botbuilder against the Bot Framework's signing keys (``SigningKeys``, kept fresh
off the loop); outbound calls use SingleTenant credentials or the user-assigned managed identity,
through one ``BotToken`` (``BotTokenCredentials``).
"""

import asyncio
import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes
from botframework.connector.auth import AuthenticateRequestResult, AuthenticationConstants
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.universal_http.requests import ClientRetryPolicy

from ..errors import ChannelError
from ..render.texts import language, say
from ..settings import BotAppType, Settings
from .bot_token import BotTokenCredentials
from .invoke_answers import error_activity
from .signing_keys import signing_keys
from .token_screen import TokenScreen

log = logging.getLogger(__name__)

KEY_REFRESH_INTERVAL = 6 * 3600
KEY_RETRY_INTERVAL = 60


@dataclass(frozen=True)
class _BotConfig:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None


_UNSENT = (ChannelError, HttpOperationError, ClientRequestError)
"""What a Connector call raises when it could not be made or was refused (no token, HTTP, network)."""


class BotAuthentication(ConfigurationBotFrameworkAuthentication):
    """Bot Framework authentication with inbound tokens screened first (``screen``; None: authentication
    is off) and without user tokens: Krisebot signs nobody in on their behalf, so it skips building a
    user-token client (an HTTP client) for every activity."""

    def __init__(self, configuration: _BotConfig, *, screen: TokenScreen | None, timeout: float) -> None:
        factory = BotTokenCredentials(ConfigurationServiceClientCredentialFactory(configuration), timeout=timeout)
        super().__init__(configuration, credentials_factory=factory, logger=log)
        self._screen = screen

    async def screen(self, auth_header: str) -> None:
        """Return if ``auth_header`` may go on to botbuilder (always, with authentication off); else TokenRefused.

        Cheap and without I/O for a token it refuses, so it runs before the body is read."""
        if self._screen is not None:
            await self._screen.check(auth_header)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        """botbuilder's check of a token ``screen`` let through; anonymous with authentication off."""
        if self._screen is None:
            return await super().authenticate_request(activity, "")
        return await super().authenticate_request(activity, auth_header)

    async def create_user_token_client(self, claims_identity):  # noqa: ARG002 (base signature)
        return None


def bot_authentication(settings: Settings) -> BotAuthentication:
    """Inbound and outbound Bot Framework authentication for ``settings``."""
    config = _BotConfig(
        APP_ID=settings.bot_app_id,
        APP_PASSWORD=settings.bot_app_password.get_secret_value(),
        # botbuilder's anonymous mode (no app id) exists only under the multi-tenant credential factory
        APP_TYPE=settings.bot_app_type.value if settings.auth_enabled else BotAppType.MULTI_TENANT.value,
        APP_TENANTID=settings.bot_tenant_id,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=str(settings.bot_openid_metadata_url or "") or None,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=settings.bot_token_issuer or None,
    )
    screen = None
    if settings.auth_enabled:
        issuer = settings.bot_token_issuer or AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
        screen = TokenScreen(issuer=issuer, keys=signing_keys(signing_keys_url(settings)))
    return BotAuthentication(config, screen=screen, timeout=settings.microsoft_timeout)


def _speed_up_connector_clients() -> None:
    """Make msrest's retry policy cheap to build (botbuilder builds several per activity).

    msrest 0.7.1 computes its retry codes with ``i not in <a 500-item list>`` for every
    code below 999 each time a Connector client is made: about 4 ms, most of the time of a
    card tap. The same codes come out of a frozenset, in microseconds.
    """
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]  # any container


def create_adapter(auth: ConfigurationBotFrameworkAuthentication, *, owner_name: str) -> CloudAdapter:
    """A CloudAdapter whose turn errors are logged and answered politely, never with a trace.

    A reply that could not be sent (no token, the Connector refused or was unreachable) is logged as
    a warning; any other failure as an error with its traceback. The apology goes into the invoke
    answer of a card tap (no Connector call needed), else as a message; if that cannot be sent
    either, it is logged and the turn still ends, so the Connector is never answered 500. Errors in
    proactive sends propagate to the caller instead, which records them.
    """
    _speed_up_connector_clients()
    adapter = CloudAdapter(auth)

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        if context.activity.name == ActivityEventNames.continue_conversation:
            raise error  # a proactive send: the caller records the failure
        if isinstance(error, _UNSENT):
            log.warning("turn's reply could not be sent: %s", _why(error))
        else:
            log.error("turn failed: %s", type(error).__name__, exc_info=error)
        apology = say(language(context.activity.locale), "error", owner=owner_name)
        if context.activity.type == ActivityTypes.invoke:
            await context.send_activity(error_activity(apology))
            return
        try:
            await context.send_activity(apology)
        except Exception as exc:  # whatever the cause: the failure is logged above, the turn ends
            log.warning("apology for a failed turn could not be sent either: %s", _why(exc))

    adapter.on_turn_error = on_turn_error
    return adapter


def _why(error: Exception) -> str:
    return error.reason if isinstance(error, ChannelError) else type(error).__name__


def signing_keys_url(settings: Settings) -> str:
    """The OpenID metadata URL inbound channel tokens are checked against."""
    return str(settings.bot_openid_metadata_url or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL)


async def keep_signing_keys_fresh(metadata_url: str, *, interval: float = KEY_REFRESH_INTERVAL) -> None:
    """Refresh the signing keys botbuilder checks tokens with (``SigningKeys``), forever: at once, then
    every ``interval`` seconds, every minute after a failure (the old keys are kept meanwhile)."""
    keys = signing_keys(metadata_url)
    while True:
        refreshed = await keys.refresh()
        await asyncio.sleep(interval if refreshed else min(interval, KEY_RETRY_INTERVAL))
