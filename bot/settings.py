"""Typed settings from the environment and a ``.env`` file, every name prefixed ``KRISEBOT_``.

With no settings at all Krisebot runs locally: SQLite file ``krisebot.db``, the bundled
plan, the console SMS and voice providers and no Bot Framework authentication. ``load_settings``
validates once at start and raises SettingsError naming the first wrong setting;
``refuse_unknown_names`` (the command line, before that) names every ``KRISEBOT_`` variable
that is no setting, so a misspelling is not silently ignored.
"""

import os
import socket
from collections.abc import Mapping
from difflib import get_close_matches
from enum import StrEnum
from typing import Any
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .database_url import DatabaseLocation, database_location
from .errors import SettingsError
from .plan.phones import to_e164
from .resources import default_plan_path
from .validation import danish

PREFIX = "KRISEBOT_"
ENV_FILE = Path(".env")


class BotAppType(StrEnum):
    """Bot registration kinds. New multi-tenant registrations are deprecated by Microsoft."""

    SINGLE_TENANT = "SingleTenant"
    USER_ASSIGNED_MSI = "UserAssignedMSI"
    MULTI_TENANT = "MultiTenant"


class SmsProvider(StrEnum):
    CONSOLE = "console"
    GATEWAYAPI = "gatewayapi"
    TWILIO = "twilio"


class VoiceProvider(StrEnum):
    CONSOLE = "console"
    TWILIO = "twilio"
    VONAGE = "vonage"


_SMS_CREDENTIALS: dict[SmsProvider, tuple[str, ...]] = {
    SmsProvider.GATEWAYAPI: ("gatewayapi_token", "gatewayapi_webhook_secret"),
    SmsProvider.TWILIO: ("twilio_account_sid", "twilio_auth_token"),
}
"""The settings each SMS gateway needs."""

_VOICE_CREDENTIALS: dict[VoiceProvider, tuple[str, ...]] = {
    VoiceProvider.TWILIO: ("twilio_account_sid", "twilio_auth_token"),
    VoiceProvider.VONAGE: ("vonage_application_id", "vonage_private_key_path", "vonage_signature_secret"),
}
"""The settings each voice provider needs (besides the caller id and the public URL every real one needs)."""


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class _IncompleteSettings(Exception):
    """Raised inside validation (not a ValueError, so pydantic passes it through)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


class Settings(BaseSettings):
    """Every setting Krisebot reads. Field names map to ``KRISEBOT_<NAME>`` variables."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore", case_sensitive=False,
        env_ignore_empty=True,
    )

    plan: Path = Field(default_factory=default_plan_path, description="Plan file (TOML); default: the bundled plan")
    database: DatabaseLocation = Field(
        default=Path("krisebot.db"),
        description="The logbog: a SQLite file (a path), or a PostgreSQL database (postgresql://user:password@host:5432/db)",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP server listens on")
    port: int = Field(default=3978, ge=1, le=65535, description="Port the HTTP server listens on")
    public_url: AnyHttpUrl | None = Field(
        default=None, description="The service's public https URL (webhook callbacks, links, the manifest)"
    )

    bot_app_id: str = Field(default="", description="Azure Bot app (client) id; empty turns authentication off")
    bot_app_password: SecretStr = Field(default=SecretStr(""), description="Client secret of the bot app (SingleTenant)")
    bot_app_type: BotAppType = Field(
        default=BotAppType.SINGLE_TENANT,
        description="SingleTenant or UserAssignedMSI (MultiTenant only for a bot registered as multi-tenant before 31 July 2025)",
    )
    bot_tenant_id: str = Field(default="", description="Entra tenant of the bot; activities from other tenants are refused")
    bot_openid_metadata_url: AnyHttpUrl | None = Field(
        default=None, description="Override of the Bot Framework OpenID metadata URL (sovereign clouds, tests)"
    )
    bot_token_issuer: str = Field(default="", description="Override of the expected Bot Framework token issuer")

    graph_tenant_id: str = Field(default="", description="Entra tenant for Microsoft Graph")
    graph_client_id: str = Field(default="", description="App registration used for Microsoft Graph")
    graph_client_secret: SecretStr = Field(default=SecretStr(""), description="Client secret for Microsoft Graph")
    graph_base_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://graph.microsoft.com/v1.0"), description="Graph endpoint (national clouds, tests)"
    )
    graph_certificate_path: Path | None = Field(
        default=None, description="PEM file with the certificate and its private key for Microsoft Graph (instead of the secret)"
    )
    graph_managed_identity_client_id: str = Field(
        default="", description="Client id of a user-assigned managed identity for Microsoft Graph (instead of secret or certificate)"
    )
    graph_mail_sender: str = Field(
        default="", description="Mailbox (UPN) that sends page mails through Graph; mail is off without it"
    )
    teams_app_catalog_id: str = Field(
        default="",
        description="The Teams app's id in the organisation's app catalog, to install it for users; without it, it is "
        "looked up by the manifest's id (the bot app id)",
    )

    sms_provider: SmsProvider = Field(default=SmsProvider.CONSOLE, description="console, gatewayapi or twilio")
    sms_sender: str = Field(
        default="Krisebot", pattern=r"^(?:[A-Za-z0-9 ]{1,11}|\+?[0-9]{1,15})$",
        description="SMS sender: a name of at most 11 characters (A-Z, a-z, 0-9, space) or a number of at most 15 digits",
    )
    gatewayapi_base_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://gatewayapi.eu"), description="GatewayAPI host (EU by default)"
    )
    gatewayapi_token: SecretStr = Field(default=SecretStr(""), description="GatewayAPI API token")
    gatewayapi_webhook_secret: SecretStr = Field(
        default=SecretStr(""), description="Secret that signs GatewayAPI webhooks (X-Gwapi-Signature)"
    )
    twilio_base_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://api.twilio.com"), description="Twilio API host")
    twilio_account_sid: str = Field(default="", description="Twilio account SID")
    twilio_auth_token: SecretStr = Field(default=SecretStr(""), description="Twilio auth token (also signs webhooks)")
    sms_backup_provider: SmsProvider | None = Field(
        default=None, description="gatewayapi or twilio: takes the SMS the first provider could not send; empty: none"
    )
    sms_reply_keyword: str = Field(
        default="", pattern=r"^[0-9A-Za-zÆØÅæøå]*$", max_length=20,
        description="Keyword leased on a shared short code, first word of every reply (\"KRISE\"); stripped from replies",
    )
    sms_reply_number: str = Field(
        default="", pattern=r"^\+?[0-9]*$", max_length=16,
        description="Number people text their reply to (\"1204\"); empty: the number the SMS came from",
    )
    sms_grace: float = Field(
        default=4.0, ge=0, le=300,
        description="Seconds a page may take to reach someone on Teams, feed or mail before it also goes by SMS",
    )
    breaker_failures: int = Field(
        default=3, ge=1, le=100,
        description="Consecutive failures or timeouts of Entra, Graph or the Bot Connector that count it as down",
    )
    breaker_cooldown: float = Field(
        default=30.0, ge=1, le=3600, description="Seconds a dependency counted as down waits before it is tried again"
    )
    microsoft_timeout: float = Field(
        default=10.0, ge=1, le=120, description="Seconds one call to Graph or the Bot Connector may take before it counts as failed"
    )
    sms_console_file: Path | None = Field(
        default=None, description="File the console provider appends each SMS to; default krisebot-sms.log beside a SQLite logbog"
    )

    voice_provider: VoiceProvider = Field(default=VoiceProvider.CONSOLE, description="console, twilio or vonage")
    voice_backup_provider: VoiceProvider | None = Field(
        default=None, description="twilio or vonage: places the calls the first provider could not; empty: none"
    )
    voice_caller_id: str = Field(
        default="", description="The number calls come from (E.164, or a Danish number), owned at the voice provider; "
        "required by twilio and vonage"
    )
    voice_calls_per_second: float = Field(
        default=1.0, gt=0, le=100, description="Calls placed per second at most (a Twilio account's default is 1)"
    )
    voice_language: str = Field(
        default="da-DK", pattern=r"^[a-z]{2,3}-[A-Z]{2}$", description="Language the calls speak (BCP-47, e.g. da-DK)"
    )
    voice_name: str = Field(
        default="Polly.Naja", pattern=r"^[A-Za-z0-9._-]{0,64}$",
        description="Twilio text-to-speech voice (Danish: Polly.Naja, Polly.Mads, neural Polly.Sofie); empty: Twilio's default",
    )
    voice_console_file: Path | None = Field(
        default=None, description="File the console provider appends each call to; default krisebot-calls.log beside a SQLite logbog"
    )
    vonage_base_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://api.nexmo.com"), description="Vonage Voice API host")
    vonage_application_id: str = Field(default="", description="Vonage application id (its voice capability places the calls)")
    vonage_private_key_path: Path | None = Field(
        default=None, description="PEM file with the Vonage application's private key (signs the API requests)"
    )
    vonage_signature_secret: SecretStr = Field(
        default=SecretStr(""), description="The Vonage account's signature secret (signs the voice webhooks)"
    )

    alarm_token: SecretStr = Field(
        default=SecretStr(""),
        description="Bearer token(s) for POST /api/alarms and /api/heartbeats, comma-separated so a new one can be "
        "added before the old one is removed; without one both endpoints refuse every request",
    )
    alarm_rate_limit: int = Field(
        default=60, ge=1, le=10000, description="Alarms per minute accepted from one monitoring source; the rest get 429"
    )
    alarm_mailbox: str = Field(
        default="", description="Mailbox (UPN) whose inbox is read for alarm mail through Graph; empty turns it off"
    )
    alarm_mail_senders: str = Field(
        default="", description="Comma-separated addresses or @domains whose mail in the alarm mailbox becomes an alarm"
    )
    alarm_mailbox_interval: int = Field(default=60, ge=5, le=3600, description="Seconds between reads of the alarm mailbox")
    instance_id: str = Field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}",
        description="This instance's name among those on one database (unique to each); default: host name and process id",
    )
    lease_seconds: float = Field(
        default=5.0, ge=1, le=300,
        description="Seconds the leader's lease runs: another instance takes over this long after the leader stops renewing it",
    )

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, database: object) -> object:
        """A ``postgresql://`` (or ``postgres://``) URL names a PostgreSQL database (ValueError saying what is wrong with
        it, never its password); anything else, a file."""
        return database_location(database) if isinstance(database, str) else database

    @field_validator("voice_caller_id")
    @classmethod
    def _e164(cls, number: str) -> str:
        return to_e164(number) if number else number

    @field_validator(
        "public_url", "graph_base_url", "gatewayapi_base_url", "twilio_base_url", "vonage_base_url", "bot_openid_metadata_url"
    )
    @classmethod
    def _https_unless_loopback(cls, url: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if url is not None and url.scheme != "https" and not _is_loopback(str(url)):
            raise ValueError("skal være en https-adresse (http kun til 127.0.0.1/localhost)")
        return url

    @model_validator(mode="after")
    def _complete_registrations(self) -> "Settings":
        """Each configured integration must have all the settings it needs."""
        if self.bot_app_id:
            if not self.bot_tenant_id and self.bot_app_type is not BotAppType.MULTI_TENANT:
                raise _IncompleteSettings("bot_tenant_id", f"kræves når KRISEBOT_BOT_APP_TYPE er {self.bot_app_type}")
            if self.bot_app_type is not BotAppType.USER_ASSIGNED_MSI and not self.bot_app_password.get_secret_value():
                raise _IncompleteSettings("bot_app_password", "kræves når KRISEBOT_BOT_APP_ID er sat")
        self._complete_sms()
        self._complete_voice()
        self._complete_graph()
        return self

    def _complete_sms(self) -> None:
        """Each chosen SMS provider has its credentials; a backup is a real gateway other than the first."""
        backup = self.sms_backup_provider
        if backup is SmsProvider.CONSOLE or backup == self.sms_provider:
            raise _IncompleteSettings(
                "sms_backup_provider", "skal være gatewayapi eller twilio og ikke det samme som KRISEBOT_SMS_PROVIDER"
            )
        for field, provider in (("sms_provider", self.sms_provider), ("sms_backup_provider", backup)):
            for name in _SMS_CREDENTIALS.get(provider, ()) if provider else ():
                value = getattr(self, name)
                if not (value.get_secret_value() if isinstance(value, SecretStr) else value):
                    raise _IncompleteSettings(name, f"kræves når {env_name(field)} er {provider}")

    def _complete_voice(self) -> None:
        """Each chosen voice provider has its credentials, and a real one a caller id and a public URL (its service
        fetches what to say from there); a backup is a real provider other than the first."""
        backup = self.voice_backup_provider
        if backup is VoiceProvider.CONSOLE or backup == self.voice_provider:
            raise _IncompleteSettings(
                "voice_backup_provider", "skal være twilio eller vonage og ikke det samme som KRISEBOT_VOICE_PROVIDER"
            )
        for field, provider in (("voice_provider", self.voice_provider), ("voice_backup_provider", backup)):
            if provider is None or provider is VoiceProvider.CONSOLE:
                continue
            for name in ("voice_caller_id", "public_url", *_VOICE_CREDENTIALS[provider]):
                value = getattr(self, name)
                if not (value.get_secret_value() if isinstance(value, SecretStr) else value):
                    raise _IncompleteSettings(name, f"kræves når {env_name(field)} er {provider}")
        key = self.vonage_private_key_path
        if key is not None and not key.is_file():
            raise _IncompleteSettings("vonage_private_key_path", f"filen {key} findes ikke")

    def _complete_graph(self) -> None:
        """A managed identity needs nothing else; an app registration needs a tenant and a secret or certificate."""
        if self.graph_client_id and not self.graph_managed_identity_client_id:
            if not self.graph_tenant_id:
                raise _IncompleteSettings("graph_tenant_id", "kræves når KRISEBOT_GRAPH_CLIENT_ID er sat")
            if not self.graph_client_secret.get_secret_value() and self.graph_certificate_path is None:
                raise _IncompleteSettings(
                    "graph_client_secret",
                    "kræves når KRISEBOT_GRAPH_CLIENT_ID er sat (eller sæt KRISEBOT_GRAPH_CERTIFICATE_PATH)",
                )
        if self.graph_certificate_path is not None and not self.graph_certificate_path.is_file():
            raise _IncompleteSettings("graph_certificate_path", f"filen {self.graph_certificate_path} findes ikke")
        graph = bool(self.graph_client_id or self.graph_managed_identity_client_id)
        for name in ("graph_mail_sender", "teams_app_catalog_id", "alarm_mailbox"):
            if getattr(self, name) and not graph:
                raise _IncompleteSettings(
                    name, "kræver KRISEBOT_GRAPH_CLIENT_ID eller KRISEBOT_GRAPH_MANAGED_IDENTITY_CLIENT_ID"
                )
        if self.alarm_mailbox and "@" not in self.alarm_mailbox:
            raise _IncompleteSettings("alarm_mailbox", "skal være en postkasses adresse (UPN), fx it-alarm@kommune.dk")
        if self.alarm_mailbox and not self.alarm_senders:
            raise _IncompleteSettings("alarm_mail_senders", "kræves når KRISEBOT_ALARM_MAILBOX er sat")
        if self.graph_mail_sender and "@" not in self.graph_mail_sender:
            raise _IncompleteSettings("graph_mail_sender", "skal være en postkasses adresse (UPN), fx krise@kommune.dk")

    @property
    def sms_console_path(self) -> Path:
        """Where the console provider writes: ``sms_console_file``, or ``krisebot-sms.log`` beside the database."""
        return self.sms_console_file or self._beside_database("krisebot-sms.log")

    @property
    def voice_console_path(self) -> Path:
        """Where the console voice provider writes: ``voice_console_file``, or ``krisebot-calls.log`` beside the database."""
        return self.voice_console_file or self._beside_database("krisebot-calls.log")

    def _beside_database(self, name: str) -> Path:
        """The file ``name`` beside a SQLite logbog; in the working folder when the logbog is on a PostgreSQL server."""
        return self.database.with_name(name) if isinstance(self.database, Path) else Path(name)

    @property
    def alarm_tokens(self) -> list[str]:
        """Every accepted alarm token (``ALARM_TOKEN`` split on commas, blanks dropped)."""
        return [token.strip() for token in self.alarm_token.get_secret_value().split(",") if token.strip()]

    @property
    def alarm_senders(self) -> list[str]:
        """``ALARM_MAIL_SENDERS`` as lower-case addresses and ``@domain``s."""
        return [sender.strip().lower() for sender in self.alarm_mail_senders.split(",") if sender.strip()]

    @property
    def auth_enabled(self) -> bool:
        """Bot Framework authentication is on exactly when a bot app id is set."""
        return bool(self.bot_app_id)


def env_name(field: str) -> str:
    """``"bot_app_id"`` → ``"KRISEBOT_BOT_APP_ID"``."""
    return PREFIX + field.upper()


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings (environment, then ``.env``); ``overrides`` win (tests)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "settings"
        raise SettingsError(env_name(field), danish(error)) from None
    except _IncompleteSettings as exc:
        raise SettingsError(env_name(exc.field), exc.problem) from None


def refuse_unknown_names(environ: Mapping[str, str] = os.environ, env_file: Path = ENV_FILE) -> None:
    """Raise SettingsError naming every ``KRISEBOT_`` variable in ``environ`` or ``env_file`` that is no
    setting (a misspelled ``KRISEBOT_PROT`` would otherwise be ignored), with the setting it may mean."""
    names = set(environ) | (set(dotenv_values(env_file, encoding="utf-8")) if env_file.is_file() else set())
    known = [field.upper() for field in Settings.model_fields]
    unknown = sorted({name.upper() for name in names if name.upper().startswith(PREFIX)} - {PREFIX + k for k in known})
    if not unknown:
        return
    guesses = {name: PREFIX + close[0] for name in unknown if (close := get_close_matches(name.removeprefix(PREFIX), known, n=1))}
    if len(unknown) == 1:
        hint = "".join(f" (mente du {guess}?)" for guess in guesses.values())
    else:
        hint = f" (mente du {', '.join(f'{guess} for {name}' for name, guess in guesses.items())}?)" if guesses else ""
    raise SettingsError(", ".join(unknown), ("ukendt indstilling" if len(unknown) == 1 else "ukendte indstillinger") + hint)
