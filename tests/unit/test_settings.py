"""Settings: ``KRISEBOT_`` variables and ``.env``, local defaults, one SettingsError per wrong setting, no leaked secrets."""

import os
import socket
from pathlib import Path

import pytest

from bot.database_url import PostgresUrl
from bot.errors import SettingsError
from bot.settings import BotAppType, SmsProvider, load_settings, refuse_unknown_names

BOT = {"KRISEBOT_BOT_APP_ID": "app-id", "KRISEBOT_BOT_TENANT_ID": "tenant-id", "KRISEBOT_BOT_APP_PASSWORD": "pw"}
GATEWAYAPI = {
    "KRISEBOT_SMS_PROVIDER": "gatewayapi",
    "KRISEBOT_GATEWAYAPI_TOKEN": "token",
    "KRISEBOT_GATEWAYAPI_WEBHOOK_SECRET": "webhook",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No KRISEBOT_ variable from the outside, and a working directory without a ``.env``."""
    for name in list(os.environ):
        if name.upper().startswith("KRISEBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _set(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_defaults_run_locally() -> None:
    settings = load_settings()
    assert settings.plan.is_file()
    assert settings.plan.name == "struer-intern-service.toml"
    assert settings.database == Path("krisebot.db")
    assert (settings.host, settings.port) == ("127.0.0.1", 3978)
    assert settings.sms_provider is SmsProvider.CONSOLE
    assert settings.auth_enabled is False
    assert settings.public_url is None


def test_environment_is_read_with_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _set(monkeypatch, {"KRISEBOT_PORT": "8080", "KRISEBOT_DATABASE": str(tmp_path / "log.db"), "PORT": "1"})
    settings = load_settings()
    assert settings.port == 8080
    assert settings.database == tmp_path / "log.db"


def test_dotenv_in_working_directory_is_read_and_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KRISEBOT_PORT=4000\nKRISEBOT_SMS_SENDER=Struer\nOTHER=x\n", encoding="utf-8")
    assert (load_settings().port, load_settings().sms_sender) == (4000, "Struer")
    monkeypatch.setenv("KRISEBOT_PORT", "5000")
    assert load_settings().port == 5000


def test_complete_bot_registration_turns_authentication_on(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, BOT)
    settings = load_settings()
    assert settings.auth_enabled
    assert settings.bot_app_type is BotAppType.SINGLE_TENANT


def test_user_assigned_msi_needs_tenant_but_no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, {"KRISEBOT_BOT_APP_ID": "app-id", "KRISEBOT_BOT_APP_TYPE": "UserAssignedMSI"})
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.setting == "KRISEBOT_BOT_TENANT_ID"
    monkeypatch.setenv("KRISEBOT_BOT_TENANT_ID", "tenant-id")
    assert load_settings().bot_app_type is BotAppType.USER_ASSIGNED_MSI


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        pytest.param({"KRISEBOT_PORT": "abc"}, "KRISEBOT_PORT", id="port-not-a-number"),
        pytest.param({"KRISEBOT_PORT": "70000"}, "KRISEBOT_PORT", id="port-out-of-range"),
        pytest.param({"KRISEBOT_SMS_PROVIDER": "foo"}, "KRISEBOT_SMS_PROVIDER", id="unknown-sms-provider"),
        pytest.param({"KRISEBOT_BOT_APP_TYPE": "Tenant"}, "KRISEBOT_BOT_APP_TYPE", id="unknown-app-type"),
        pytest.param({"KRISEBOT_BOT_APP_ID": "app-id"}, "KRISEBOT_BOT_TENANT_ID", id="app-id-without-tenant"),
        pytest.param(
            {"KRISEBOT_BOT_APP_ID": "app-id", "KRISEBOT_BOT_TENANT_ID": "t"}, "KRISEBOT_BOT_APP_PASSWORD",
            id="single-tenant-without-password",
        ),
        pytest.param(
            {"KRISEBOT_BOT_APP_ID": "app-id", "KRISEBOT_BOT_APP_TYPE": "UserAssignedMSI"}, "KRISEBOT_BOT_TENANT_ID",
            id="msi-without-tenant",
        ),
        pytest.param({"KRISEBOT_SMS_PROVIDER": "gatewayapi"}, "KRISEBOT_GATEWAYAPI_TOKEN", id="gatewayapi-without-token"),
        pytest.param(
            {"KRISEBOT_SMS_PROVIDER": "gatewayapi", "KRISEBOT_GATEWAYAPI_TOKEN": "token"},
            "KRISEBOT_GATEWAYAPI_WEBHOOK_SECRET", id="gatewayapi-without-webhook-secret",
        ),
        pytest.param({"KRISEBOT_SMS_PROVIDER": "twilio"}, "KRISEBOT_TWILIO_ACCOUNT_SID", id="twilio-without-sid"),
        pytest.param(
            {"KRISEBOT_SMS_PROVIDER": "twilio", "KRISEBOT_TWILIO_ACCOUNT_SID": "AC1"}, "KRISEBOT_TWILIO_AUTH_TOKEN",
            id="twilio-without-token",
        ),
        pytest.param({"KRISEBOT_GRAPH_CLIENT_ID": "graph"}, "KRISEBOT_GRAPH_TENANT_ID", id="graph-without-tenant"),
        pytest.param({"KRISEBOT_PUBLIC_URL": "http://example.org"}, "KRISEBOT_PUBLIC_URL", id="public-url-plain-http"),
        pytest.param({"KRISEBOT_PUBLIC_URL": "http://127.0.0.1.example.org"}, "KRISEBOT_PUBLIC_URL", id="loopback-lookalike"),
        pytest.param({"KRISEBOT_GRAPH_BASE_URL": "http://graph.example"}, "KRISEBOT_GRAPH_BASE_URL", id="graph-plain-http"),
        pytest.param({"KRISEBOT_SMS_SENDER": "x" * 16}, "KRISEBOT_SMS_SENDER", id="sender-too-long"),
        pytest.param({"KRISEBOT_SMS_SENDER": "StruerKrise1"}, "KRISEBOT_SMS_SENDER", id="sender-name-over-11"),
        pytest.param({"KRISEBOT_SMS_SENDER": "Kriseø"}, "KRISEBOT_SMS_SENDER", id="sender-not-alphanumeric"),
        pytest.param({"KRISEBOT_LEASE_SECONDS": "0.5"}, "KRISEBOT_LEASE_SECONDS", id="lease-under-a-second"),
    ],
)
def test_wrong_setting_is_named(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], setting: str) -> None:
    _set(monkeypatch, env)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.setting == setting
    assert str(caught.value).startswith(f"{setting}: ")
    assert caught.value.problem


def test_each_instance_is_named_by_its_host_and_process_unless_named_and_leads_for_5_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = load_settings()
    _set(monkeypatch, {"KRISEBOT_INSTANCE_ID": "krisebot-2", "KRISEBOT_LEASE_SECONDS": "10"})
    named = load_settings()

    assert default.instance_id == f"{socket.gethostname()}-{os.getpid()}"
    assert default.lease_seconds == 5
    assert (named.instance_id, named.lease_seconds) == ("krisebot-2", 10)


def test_incomplete_registration_says_what_requires_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRISEBOT_SMS_PROVIDER", "twilio")
    with pytest.raises(SettingsError, match="kræves når KRISEBOT_SMS_PROVIDER er twilio"):
        load_settings()


def test_dotenv_errors_are_named_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KRISEBOT_PORT=abc\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.setting == "KRISEBOT_PORT"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:3978", "http://[::1]:8080", "https://bot.example.org"])
def test_public_url_https_or_loopback(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("KRISEBOT_PUBLIC_URL", url)
    assert str(load_settings().public_url).rstrip("/") == url


def test_secrets_never_appear_in_repr_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "KRISEBOT_BOT_APP_PASSWORD": "s3cret-bot-password",
        "KRISEBOT_GRAPH_CLIENT_SECRET": "s3cret-graph",
        "KRISEBOT_GATEWAYAPI_TOKEN": "s3cret-gateway-token",
        "KRISEBOT_GATEWAYAPI_WEBHOOK_SECRET": "s3cret-gateway-webhook",
        "KRISEBOT_TWILIO_AUTH_TOKEN": "s3cret-twilio",
        "KRISEBOT_ALARM_TOKEN": "s3cret-alarm-1,s3cret-alarm-2",
    }
    _set(monkeypatch, {**BOT, **GATEWAYAPI, "KRISEBOT_GRAPH_CLIENT_ID": "graph", "KRISEBOT_GRAPH_TENANT_ID": "t"})
    _set(monkeypatch, secrets)
    settings = load_settings()
    assert settings.gatewayapi_token.get_secret_value() == "s3cret-gateway-token"
    shown = [repr(settings), str(settings), settings.model_dump_json()]
    for value in ",".join(secrets.values()).split(","):
        for text in shown:
            assert value not in text


def test_a_krisebot_variable_that_is_no_setting_is_refused_with_a_guess(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRISEBOT_PROT", "4000")
    with pytest.raises(SettingsError) as refused:
        refuse_unknown_names()
    assert str(refused.value) == "KRISEBOT_PROT: ukendt indstilling (mente du KRISEBOT_PORT?)"


def test_every_unknown_name_in_the_environment_and_dotenv_is_named_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("KRISEBOT_PORT=4000\nkrisebot_hsot=0.0.0.0\nOTHER=x\n", encoding="utf-8")
    _set(monkeypatch, {"KRISEBOT_SMS_PROVIDER": "console", "KRISEBOT_XYZ": "1", "PROT": "1"})
    with pytest.raises(SettingsError) as refused:
        refuse_unknown_names()
    assert refused.value.setting == "KRISEBOT_HSOT, KRISEBOT_XYZ"
    assert refused.value.problem == "ukendte indstillinger (mente du KRISEBOT_HOST for KRISEBOT_HSOT?)"


def test_known_settings_in_any_case_pass(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("krisebot_port=4000\n", encoding="utf-8")
    _set(monkeypatch, {"KRISEBOT_SMS_SENDER": "Struer", "Krisebot_Host": "0.0.0.0"})
    refuse_unknown_names()
    assert (load_settings().port, load_settings().host) == (4000, "0.0.0.0")


def test_a_choice_outside_the_list_names_the_choices_in_danish(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRISEBOT_SMS_PROVIDER", "telia")
    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert caught.value.setting == "KRISEBOT_SMS_PROVIDER"
    assert caught.value.problem == "skal være en af: 'console', 'gatewayapi' eller 'twilio'"


@pytest.mark.parametrize("url", [
    "postgresql://krisebot:hemmelig@db.kommune.dk:5432/logbog",
    "postgres://krisebot:hemmelig@db.kommune.dk:5432/logbog",
    "POSTGRESQL://krisebot:hemmelig@db.kommune.dk:5432/logbog",
])
def test_the_database_may_be_a_postgresql_url_shown_without_its_password(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    _set(monkeypatch, {"KRISEBOT_DATABASE": url})

    settings = load_settings()

    assert isinstance(settings.database, PostgresUrl) and settings.database.conninfo == url
    assert str(settings.database) == "PostgreSQL db.kommune.dk:5432/logbog"
    assert "hemmelig" not in repr(settings) and "hemmelig" not in settings.model_dump_json()
    assert settings.sms_console_path == Path("krisebot-sms.log")


@pytest.mark.parametrize(("url", "problem"), [
    ("postgresql://krisebot:hemmelig@db.kommune.dk:5432/", "PostgreSQL-adressen nævner ingen database"),
    ("postgresql://krisebot:hemmelig@db.kommune.dk:port/logbog", "PostgreSQL-adressen kan ikke læses"),
])
def test_a_postgresql_url_naming_no_database_is_refused_without_its_password(
    monkeypatch: pytest.MonkeyPatch, url: str, problem: str
) -> None:
    _set(monkeypatch, {"KRISEBOT_DATABASE": url})

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert refused.value.setting == "KRISEBOT_DATABASE" and refused.value.problem.startswith(problem)
    assert "hemmelig" not in str(refused.value)
