"""The SMS provider and webhook routes the settings describe, ready for the app to use.

``sms_provider`` builds ``KRISEBOT_SMS_PROVIDER`` (wrapped in ``FailoverSms`` with
``KRISEBOT_SMS_BACKUP_PROVIDER`` when one is set). ``sms_routes`` gives the webhook handler
for each configured gateway by path: ``/api/sms/gatewayapi``, ``/api/sms/twilio``, and
``/api/sms/console`` when the console provider is the primary (only for direct requests from
this machine, and never with ``KRISEBOT_PUBLIC_URL``: ``bot.channels.webhooks.local_only``).
"""

import aiohttp

from ...clock import Clock, system_clock
from ...settings import Settings
from ...settings import SmsProvider as ProviderName
from . import console, gatewayapi, twilio
from .base import SmsProvider
from .failover import FailoverSms
from ..webhooks import Handler, local_only
from .webhooks import Inbox, sms_webhook

PREFIX = "/api/sms/"


def callback_url(settings: Settings, provider: ProviderName) -> str | None:
    """The public URL of ``provider``'s webhook, or None without ``KRISEBOT_PUBLIC_URL``."""
    return f"{str(settings.public_url).rstrip('/')}{PREFIX}{provider}" if settings.public_url else None


def _build(name: ProviderName, settings: Settings, session: aiohttp.ClientSession, clock: Clock) -> SmsProvider:
    if name is ProviderName.GATEWAYAPI:
        return gatewayapi.GatewayApiSms(
            session, base_url=str(settings.gatewayapi_base_url), token=settings.gatewayapi_token.get_secret_value(),
            sender=settings.sms_sender, callback_url=callback_url(settings, name),
        )
    if name is ProviderName.TWILIO:
        return twilio.TwilioSms(
            session, base_url=str(settings.twilio_base_url), account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(), sender=settings.sms_sender,
            callback_url=callback_url(settings, name),
        )
    return console.ConsoleSms(settings.sms_console_path, clock=clock)


def sms_provider(settings: Settings, session: aiohttp.ClientSession, *, clock: Clock = system_clock) -> SmsProvider:
    """The configured provider, with the backup behind it when one is set. ``session`` is shared and owned by the caller."""
    primary = _build(settings.sms_provider, settings, session, clock)
    if settings.sms_backup_provider is None:
        return primary
    return FailoverSms(primary, _build(settings.sms_backup_provider, settings, session, clock))


def sms_routes(settings: Settings, inbox: Inbox, *, clock: Clock = system_clock) -> dict[str, Handler]:
    """``{path: handler}`` for the webhooks of the configured providers; add each with ``router.add_post``."""
    keyword = settings.sms_reply_keyword
    public_url = str(settings.public_url) if settings.public_url else None
    names = {settings.sms_provider, settings.sms_backup_provider} - {None}
    routes: dict[str, Handler] = {}
    if ProviderName.GATEWAYAPI in names:
        secret = settings.gatewayapi_webhook_secret.get_secret_value()
        routes[PREFIX + gatewayapi.NAME] = sms_webhook(
            gatewayapi.GatewayApiWebhook(secret=secret, keyword=keyword), inbox, endpoint=gatewayapi.NAME,
            public_url=public_url,
        )
    if ProviderName.TWILIO in names:
        token = settings.twilio_auth_token.get_secret_value()
        routes[PREFIX + twilio.NAME] = sms_webhook(
            twilio.TwilioWebhook(auth_token=token, clock=clock, keyword=keyword), inbox, endpoint=twilio.NAME,
            public_url=public_url, ok=twilio.twiml_ok,
        )
    if settings.sms_provider is ProviderName.CONSOLE:
        webhook = sms_webhook(console.ConsoleWebhook(clock=clock, keyword=keyword), inbox, endpoint=console.NAME)
        routes[console.PATH] = local_only(webhook, public=public_url is not None)
    return routes
