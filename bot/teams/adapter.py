"""Build the Bot Framework adapter and authentication from Settings.

With no app id, authentication is off in both directions (local runs, Agents Playground).
With an app id, inbound tokens are checked against the Bot Framework's signing keys and
outbound calls use SingleTenant credentials or the user-assigned managed identity.
"""

import asyncio
import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import ActivityEventNames
from botframework.connector.auth import AuthenticationConstants
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from msrest.universal_http.requests import ClientRetryPolicy

from ..render.texts import language, say
from ..settings import BotAppType, Settings

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


class _BotAuthentication(ConfigurationBotFrameworkAuthentication):
    """Bot Framework authentication without user tokens: Krisebot signs nobody in on their behalf,
    so it skips building a user-token client (an HTTP client) for every activity."""

    async def create_user_token_client(self, claims_identity):  # noqa: ARG002 (base signature)
        return None


def bot_authentication(settings: Settings) -> ConfigurationBotFrameworkAuthentication:
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
    return _BotAuthentication(config, logger=log)


def _speed_up_connector_clients() -> None:
    """Make msrest's retry policy cheap to build (botbuilder builds several per activity).

    msrest 0.7.1 computes its retry codes with ``i not in <a 500-item list>`` for every
    code below 999 each time a Connector client is made: about 4 ms, most of the time of a
    card tap. The same codes come out of a frozenset, in microseconds.
    """
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


def create_adapter(auth: ConfigurationBotFrameworkAuthentication, *, owner_name: str) -> CloudAdapter:
    """A CloudAdapter whose turn errors are logged and answered politely, never with a trace.

    Errors in proactive sends propagate to the caller instead, which records them.
    """
    _speed_up_connector_clients()
    adapter = CloudAdapter(auth)

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        if context.activity.name == ActivityEventNames.continue_conversation:
            raise error  # a proactive send: the caller records the failure
        log.error("turn failed: %s", type(error).__name__, exc_info=error)
        await context.send_activity(say(language(context.activity.locale), "error", owner=owner_name))

    adapter.on_turn_error = on_turn_error
    return adapter


def signing_keys_url(settings: Settings) -> str:
    """The OpenID metadata URL inbound channel tokens are checked against."""
    return str(settings.bot_openid_metadata_url or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL)


async def keep_signing_keys_fresh(metadata_url: str, *, interval: float = KEY_REFRESH_INTERVAL) -> None:
    """Refresh botbuilder's cached signing keys from a worker thread, forever.

    botbuilder refreshes them with blocking ``requests`` calls (no timeout) inside the event
    loop once the cache is a day old. Refreshing every few hours from a thread keeps that
    from ever happening, so an unreachable Microsoft cloud cannot freeze the service.
    """
    metadata = JwtTokenExtractor.get_open_id_metadata(metadata_url)
    while True:
        try:
            await asyncio.to_thread(asyncio.run, metadata._refresh())
        except Exception as exc:  # network, HTTP and JSON errors alike: keep the old keys, try again soon
            log.warning("could not refresh Bot Framework signing keys: %s", type(exc).__name__)
            await asyncio.sleep(min(interval, KEY_RETRY_INTERVAL))
        else:
            await asyncio.sleep(interval)
