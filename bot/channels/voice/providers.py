"""The voice provider and webhook routes the settings describe, ready for the app to use.

``voice_provider`` builds ``KRISEBOT_VOICE_PROVIDER`` (wrapped in ``FailoverVoice`` with
``KRISEBOT_VOICE_BACKUP_PROVIDER`` when one is set; the pager paces the calls). ``voice_routes`` gives the webhook handler
for each configured provider by path, each to add with ``router.add_post``:
``/api/voice/twilio/{answer,keys,status}``, ``/api/voice/vonage/{answer,keys,event}``, and
``/api/voice/console`` when the console provider is the primary (only for direct requests from
this machine, and never with ``KRISEBOT_PUBLIC_URL``: ``bot.channels.webhooks.local_only``).

The desk may be bound late (an object whose methods find the real desk once the app has
started): nothing here calls it before a call is placed or a webhook arrives.
"""

import aiohttp
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from ...clock import Clock, system_clock
from ...errors import SettingsError
from ...settings import Settings, env_name
from ...settings import VoiceProvider as ProviderName
from ..webhooks import Handler, local_only
from . import console, twilio, vonage
from .base import CallDesk, VoiceProvider
from .failover import FailoverVoice
from .webhooks import PREFIX, voice_webhook


def _public_url(settings: Settings) -> str:
    """The public URL a real provider's callbacks go to (the settings require one for twilio and vonage)."""
    if settings.public_url is None:
        raise SettingsError(env_name("public_url"), "kræves af en rigtig taleudbyder")
    return str(settings.public_url)


def _private_key(settings: Settings) -> str:
    """The Vonage application's private key, checked to be a PEM key."""
    path = settings.vonage_private_key_path
    try:
        text = path.read_text(encoding="utf-8") if path else ""
        load_pem_private_key(text.encode(), password=None)
    except (OSError, UnicodeDecodeError, ValueError, TypeError):
        raise SettingsError(env_name("vonage_private_key_path"), f"{path} er ikke en læsbar privat nøgle i PEM-format") from None
    return text


def _build(
    name: ProviderName, settings: Settings, session: aiohttp.ClientSession, desk: CallDesk, clock: Clock
) -> VoiceProvider:
    if name is ProviderName.TWILIO:
        return twilio.TwilioVoice(
            session, base_url=str(settings.twilio_base_url), account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(), public_url=_public_url(settings),
        )
    if name is ProviderName.VONAGE:
        return vonage.VonageVoice(
            session, base_url=str(settings.vonage_base_url), application_id=settings.vonage_application_id,
            private_key=_private_key(settings), public_url=_public_url(settings),
        )
    return console.ConsoleVoice(settings.voice_console_path, desk, clock=clock)


def voice_provider(
    settings: Settings, session: aiohttp.ClientSession, desk: CallDesk, *, clock: Clock = system_clock
) -> VoiceProvider:
    """The configured provider, with the backup behind it when one is set. ``session`` is shared and owned by
    the caller; ``desk`` is used by the console provider only (it answers its own calls)."""
    provider = _build(settings.voice_provider, settings, session, desk, clock)
    if settings.voice_backup_provider is not None:
        return FailoverVoice(provider, _build(settings.voice_backup_provider, settings, session, desk, clock))
    return provider


def voice_routes(settings: Settings, desk: CallDesk, *, clock: Clock = system_clock) -> dict[str, Handler]:
    """``{path: handler}`` for the webhooks of the configured providers; add each with ``router.add_post``."""
    names = {settings.voice_provider, settings.voice_backup_provider} - {None}
    routes: dict[str, Handler] = {}
    if ProviderName.TWILIO in names:
        public_url = _public_url(settings)
        parse = twilio.TwilioVoiceWebhooks(auth_token=settings.twilio_auth_token.get_secret_value(), clock=clock)
        render = twilio.TwimlRender(public_url, language=settings.voice_language, voice=settings.voice_name)
        for hook, parser in (("answer", parse.answer), ("keys", parse.keys), ("status", parse.status)):
            routes[f"{PREFIX}{twilio.NAME}/{hook}"] = voice_webhook(
                parser, desk, endpoint=f"{twilio.NAME}/{hook}", public_url=public_url, render=render
            )
    if ProviderName.VONAGE in names:
        public_url = _public_url(settings)
        hooks = vonage.VonageVoiceWebhooks(signature_secret=settings.vonage_signature_secret.get_secret_value(), clock=clock)
        ncco = vonage.NccoRender(public_url, language=settings.voice_language)
        for hook, parser in (("answer", hooks.answer), ("keys", hooks.keys), ("event", hooks.event)):
            routes[f"{PREFIX}{vonage.NAME}/{hook}"] = voice_webhook(
                parser, desk, endpoint=f"{vonage.NAME}/{hook}", public_url=public_url, render=ncco
            )
    if settings.voice_provider is ProviderName.CONSOLE:
        handler = console.console_keys(settings.voice_console_path, desk, clock=clock)
        routes[console.PATH] = local_only(handler, public=settings.public_url is not None)
    return routes
