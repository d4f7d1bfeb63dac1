"""SMS settings: the backup provider and its credentials, the reply keyword, the provider the settings build."""

import os
from pathlib import Path

import aiohttp
import pytest

from bot.channels.sms.console import ConsoleSms
from bot.channels.sms.failover import FailoverSms
from bot.channels.sms.gatewayapi import GatewayApiSms
from bot.channels.sms.providers import callback_url, sms_provider
from bot.channels.sms.replies import strip_keyword
from bot.channels.sms.twilio import TwilioSms
from bot.errors import SettingsError
from bot.settings import SmsProvider, load_settings

GATEWAYAPI = {"sms_provider": "gatewayapi", "gatewayapi_token": "t", "gatewayapi_webhook_secret": "s"}
TWILIO = {"twilio_account_sid": "AC1", "twilio_auth_token": "tok"}


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("KRISEBOT_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("overrides", "setting", "problem"),
    [
        ({**GATEWAYAPI, "sms_backup_provider": "twilio"}, "KRISEBOT_TWILIO_ACCOUNT_SID", "KRISEBOT_SMS_BACKUP_PROVIDER er twilio"),
        ({**GATEWAYAPI, "sms_backup_provider": "twilio", "twilio_account_sid": "AC1"}, "KRISEBOT_TWILIO_AUTH_TOKEN", "twilio"),
        ({"sms_provider": "twilio", **TWILIO, "sms_backup_provider": "gatewayapi"}, "KRISEBOT_GATEWAYAPI_TOKEN", "gatewayapi"),
        ({**GATEWAYAPI, "sms_backup_provider": "gatewayapi"}, "KRISEBOT_SMS_BACKUP_PROVIDER", "ikke det samme"),
        ({**GATEWAYAPI, "sms_backup_provider": "console"}, "KRISEBOT_SMS_BACKUP_PROVIDER", "gatewayapi eller twilio"),
        ({"sms_reply_keyword": "KRISE 1"}, "KRISEBOT_SMS_REPLY_KEYWORD", "ugyldigt format"),
        ({"sms_reply_number": "12 04"}, "KRISEBOT_SMS_REPLY_NUMBER", "ugyldigt format"),
    ],
    ids=["backup-twilio-without-sid", "backup-twilio-without-token", "backup-gatewayapi-without-token", "backup-same",
         "backup-console", "keyword-with-space", "number-with-space"],
)
def test_wrong_sms_settings_name_the_variable(overrides: dict[str, str], setting: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, **overrides)
    assert caught.value.setting == setting and problem in caught.value.problem


def test_an_empty_backup_variable_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRISEBOT_SMS_BACKUP_PROVIDER", "")
    assert load_settings(_env_file=None).sms_backup_provider is None


def test_the_console_file_lies_beside_the_database(tmp_path: Path) -> None:
    assert load_settings(_env_file=None, database=tmp_path / "k.db").sms_console_path == tmp_path / "krisebot-sms.log"
    assert load_settings(_env_file=None, sms_console_file=tmp_path / "x.log").sms_console_path == tmp_path / "x.log"


@pytest.mark.parametrize(
    ("text", "stripped"),
    [("KRISE 1K", "1K"), ("krise   1k ", "1k"), ("Krise", ""), ("KRISEN 1K", "KRISEN 1K"), (" 1K", "1K"), ("1K KRISE", "1K KRISE")],
)
def test_the_keyword_is_stripped_only_at_the_start(text: str, stripped: str) -> None:
    assert strip_keyword(text, "KRISE") == stripped


async def test_the_settings_build_the_provider(tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as session:
        assert isinstance(sms_provider(load_settings(_env_file=None, database=tmp_path / "k.db"), session), ConsoleSms)
        assert isinstance(sms_provider(load_settings(_env_file=None, **GATEWAYAPI), session), GatewayApiSms)
        both = sms_provider(load_settings(_env_file=None, **GATEWAYAPI, **TWILIO, sms_backup_provider="twilio"), session)
        assert isinstance(both, FailoverSms)
        assert isinstance(both.primary, GatewayApiSms) and isinstance(both.backup, TwilioSms)


def test_callbacks_need_a_public_url() -> None:
    assert callback_url(load_settings(_env_file=None), SmsProvider.GATEWAYAPI) is None
    public = load_settings(_env_file=None, public_url="https://krise.struer.dk/")
    assert callback_url(public, SmsProvider.TWILIO) == "https://krise.struer.dk/api/sms/twilio"
