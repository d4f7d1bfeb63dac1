"""Voice settings: each provider's credentials, caller id and public URL, the backup, and the providers and routes
the settings build; failover from the primary to the backup."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.errors import PermanentError, TransientError
from bot.channels.voice.base import OutgoingCall
from bot.channels.voice.console import ConsoleVoice
from bot.channels.voice.failover import FailoverVoice
from bot.channels.voice.providers import voice_provider, voice_routes
from bot.channels.voice.twilio import TwilioVoice
from bot.channels.voice.vonage import VonageVoice
from bot.errors import SettingsError
from bot.settings import load_settings, refuse_unknown_names
from tests.fakes.twilio import ACCOUNT_SID
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.fakes.vonage import FakeVonage
from tests.protocol.voice import RecordingDesk

PUBLIC = {"public_url": "https://krise.example.dk", "voice_caller_id": "70 10 20 30"}
TWILIO = {"twilio_account_sid": "AC1", "twilio_auth_token": "tok"}
CALL = OutgoingCall(to="+4520304050", caller_id="+4570102030", ref="K-2026-001/summons/cvo/voice")


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("KRISEBOT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "vonage.pem"
    path.write_text(FakeVonage().private_key_pem, encoding="utf-8")
    return path


def vonage(key: Path) -> dict[str, object]:
    return {"vonage_application_id": "app", "vonage_private_key_path": key, "vonage_signature_secret": "s" * 32}


@pytest.mark.parametrize(
    ("overrides", "setting", "problem"),
    [
        ({"voice_provider": "twilio", **TWILIO, "public_url": "https://krise.example.dk"}, "KRISEBOT_VOICE_CALLER_ID", "twilio"),
        ({"voice_provider": "twilio", **TWILIO, "voice_caller_id": "70102030"}, "KRISEBOT_PUBLIC_URL", "twilio"),
        ({"voice_provider": "twilio", **PUBLIC}, "KRISEBOT_TWILIO_ACCOUNT_SID", "KRISEBOT_VOICE_PROVIDER er twilio"),
        ({"voice_provider": "vonage", **PUBLIC}, "KRISEBOT_VONAGE_APPLICATION_ID", "vonage"),
        ({"voice_provider": "vonage", **PUBLIC, "vonage_application_id": "a", "vonage_private_key_path": "/nowhere.pem",
          "vonage_signature_secret": "s"}, "KRISEBOT_VONAGE_PRIVATE_KEY_PATH", "findes ikke"),
        ({"voice_provider": "twilio", **PUBLIC, **TWILIO, "voice_backup_provider": "vonage"}, "KRISEBOT_VONAGE_APPLICATION_ID",
         "KRISEBOT_VOICE_BACKUP_PROVIDER er vonage"),
        ({"voice_provider": "twilio", **PUBLIC, **TWILIO, "voice_backup_provider": "twilio"}, "KRISEBOT_VOICE_BACKUP_PROVIDER",
         "ikke det samme"),
        ({"voice_backup_provider": "console"}, "KRISEBOT_VOICE_BACKUP_PROVIDER", "twilio eller vonage"),
        ({"voice_caller_id": "12"}, "KRISEBOT_VOICE_CALLER_ID", "ikke et"),
        ({"voice_calls_per_second": "0"}, "KRISEBOT_VOICE_CALLS_PER_SECOND", "større end 0"),
        ({"voice_language": "dansk"}, "KRISEBOT_VOICE_LANGUAGE", "ugyldigt format"),
        ({"voice_name": "Polly Naja<"}, "KRISEBOT_VOICE_NAME", "ugyldigt format"),
        ({"vonage_base_url": "http://api.nexmo.com"}, "KRISEBOT_VONAGE_BASE_URL", "https"),
    ],
)
def test_wrong_voice_settings_name_the_variable(overrides: dict[str, object], setting: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, **overrides)
    assert caught.value.setting == setting and problem in caught.value.problem


def test_the_defaults_call_nobody_in_danish(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, database=tmp_path / "k.db")
    assert (settings.voice_provider, settings.voice_backup_provider, settings.voice_caller_id) == ("console", None, "")
    assert (settings.voice_language, settings.voice_name, settings.voice_calls_per_second) == ("da-DK", "Polly.Naja", 1.0)
    assert settings.voice_console_path == tmp_path / "krisebot-calls.log"
    assert load_settings(_env_file=None, voice_caller_id="70 10 20 30").voice_caller_id == "+4570102030"


def test_the_voice_settings_are_known_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    names = ["VOICE_PROVIDER", "VOICE_BACKUP_PROVIDER", "VOICE_CALLER_ID", "VOICE_CALLS_PER_SECOND", "VOICE_LANGUAGE",
             "VOICE_NAME", "VOICE_CONSOLE_FILE", "VONAGE_BASE_URL", "VONAGE_APPLICATION_ID", "VONAGE_PRIVATE_KEY_PATH",
             "VONAGE_SIGNATURE_SECRET"]
    refuse_unknown_names({f"KRISEBOT_{name}": "x" for name in names}, tmp_path / ".env")
    with pytest.raises(SettingsError, match="KRISEBOT_VOICE_NAME"):
        refuse_unknown_names({"KRISEBOT_VOICE_NAMES": "x"}, tmp_path / ".env")


async def test_the_settings_build_the_provider_and_its_routes(key: Path, tmp_path: Path) -> None:
    desk = RecordingDesk()
    async with aiohttp.ClientSession() as session:
        console = load_settings(_env_file=None, database=tmp_path / "k.db")
        assert isinstance(voice_provider(console, session, desk), ConsoleVoice)
        assert set(voice_routes(console, desk)) == {"/api/voice/console"}
        both = load_settings(_env_file=None, voice_provider="vonage", voice_backup_provider="twilio", **PUBLIC, **TWILIO, **vonage(key))
        failover = voice_provider(both, session, desk)
        assert isinstance(failover, FailoverVoice) and failover.name == "vonage+twilio"
        assert isinstance(failover.primary, VonageVoice) and isinstance(failover.backup, TwilioVoice)
        assert set(voice_routes(both, desk)) == {
            f"/api/voice/{provider}/{hook}" for provider, hooks in (("twilio", ("answer", "keys", "status")),
                                                                    ("vonage", ("answer", "keys", "event"))) for hook in hooks
        }


async def test_a_key_file_that_is_no_key_names_the_setting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key", encoding="utf-8")
    settings = load_settings(_env_file=None, voice_provider="vonage", **PUBLIC, **vonage(bad))
    async with aiohttp.ClientSession() as session:
        with pytest.raises(SettingsError) as caught:
            voice_provider(settings, session, RecordingDesk())
    assert caught.value.setting == "KRISEBOT_VONAGE_PRIVATE_KEY_PATH" and "PEM" in caught.value.problem


@pytest.fixture
async def failover() -> AsyncIterator[tuple[FakeVonage, FakeTwilioVoice, FailoverVoice]]:
    async with FakeVonage() as primary, FakeTwilioVoice() as backup, aiohttp.ClientSession() as session:
        yield primary, backup, FailoverVoice(
            VonageVoice(session, base_url=primary.url, application_id=primary.application_id,
                        private_key=primary.private_key_pem, public_url="https://krise.example.dk"),
            TwilioVoice(session, base_url=backup.url, account_sid=ACCOUNT_SID, auth_token=backup.auth_token,
                        public_url="https://krise.example.dk"),
        )


async def test_the_primary_places_when_it_can(failover: tuple[FakeVonage, FakeTwilioVoice, FailoverVoice]) -> None:
    primary, backup, provider = failover
    assert await provider.place(CALL) == primary.calls[0].uuid and backup.calls == []


@pytest.mark.parametrize("status", [503, 429])
async def test_a_5xx_or_throttling_primary_hands_the_call_to_the_backup(
    failover: tuple[FakeVonage, FakeTwilioVoice, FailoverVoice], status: int
) -> None:
    primary, backup, provider = failover
    primary.fail_next(status)
    assert await provider.place(CALL) == backup.calls[0].sid and primary.calls == []
    assert backup.calls[0].url.startswith("https://krise.example.dk/api/voice/twilio/answer?ref=")


async def test_a_number_the_primary_refuses_is_not_tried_again(failover: tuple[FakeVonage, FakeTwilioVoice, FailoverVoice]) -> None:
    primary, backup, provider = failover
    primary.refuse_number("4520304050")
    with pytest.raises(PermanentError):
        await provider.place(CALL)
    assert backup.calls == []


async def test_both_failing_is_transient_naming_both(failover: tuple[FakeVonage, FakeTwilioVoice, FailoverVoice]) -> None:
    primary, backup, provider = failover
    primary.fail_next(503)
    backup.throttle(retry_after=4)
    with pytest.raises(TransientError) as caught:
        await provider.place(CALL)
    assert "Vonage svarede 503" in caught.value.reason and "twilio: Twilio svarede 429" in caught.value.reason
    assert caught.value.retry_after == 4
