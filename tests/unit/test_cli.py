"""The ``krisebot`` console command, run for real: exit codes, the readiness report, one-line errors."""

import asyncio
import os
import socket
import re
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.channels.console import ConsoleRequestError
from bot.channels.sms.console import send_reply
from bot.channels.voice.console import send_keys
from bot.core.events import AlarmRaised, LogEntryAdded, LogEntryKind, SmsReceived
from bot.database_url import DatabaseLocation, PostgresUrl, postgres_url
from bot.store import open_store
from bot.resources import default_plan_path
from tests.fakes.vonage import FakeVonage
from tests.postgres_server import PASSWORD, USER
from tests.plans import READY_PLAN, with_summoned_external, write_plan
from tests.pdfs import pdf_text
from tests.prerequisites import pdf_renderer
from tests.raw_sql import raw_sql
from tests.serve import free_port

KRISEBOT = Path(sys.executable).with_name("krisebot")


READY_SETTINGS = {
    "KRISEBOT_SMS_PROVIDER": "gatewayapi",
    "KRISEBOT_GATEWAYAPI_TOKEN": "token",
    "KRISEBOT_GATEWAYAPI_WEBHOOK_SECRET": "webhook-secret",
    "KRISEBOT_BOT_APP_ID": "00000000-0000-0000-0000-000000000b07",
    "KRISEBOT_BOT_TENANT_ID": "00000000-0000-0000-0000-0000000000te",
    "KRISEBOT_BOT_APP_PASSWORD": "bot-password",
}


def krisebot(tmp_path: Path, *args: str, umask: int = -1, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script in ``tmp_path`` with only the given KRISEBOT_ variables (and ``umask``)."""
    environment = {name: value for name, value in os.environ.items() if not name.upper().startswith("KRISEBOT_")}
    environment.update(env)
    return subprocess.run(
        [str(KRISEBOT), *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60, umask=umask
    )


def _broken_plan(tmp_path: Path) -> Path:
    return write_plan(tmp_path, READY_PLAN.replace('primary = "anna"', 'primary = "carl"'), "broken.toml")


def test_check_bundled_plan_warns_and_exits_1(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "check")
    assert result.returncode == 1, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.lstrip().startswith("!")]
    assert any("Claus Vagn Ohrt" in line and "kan ikke nås på sms" in line for line in warnings)
    assert not any("Jesper Thyrring Møller" in line and "sms" in line for line in warnings)
    assert any("console" in line and "KRISEBOT_SMS_PROVIDER" in line for line in warnings)
    assert any("prometheus hvert 5m" in line and "KRISEBOT_ALARM_TOKEN" in line for line in warnings)
    assert result.stdout.splitlines()[-1].startswith("IKKE KLAR")
    assert not (tmp_path / "krisebot.db").exists(), "check must not create the logbog"


def test_check_reports_the_alarm_intake_without_its_tokens(tmp_path: Path) -> None:
    result = krisebot(
        tmp_path, "check", KRISEBOT_ALARM_TOKEN="gammel-hemmelighed,ny-hemmelighed",
        KRISEBOT_GRAPH_CLIENT_ID="graph-app", KRISEBOT_GRAPH_TENANT_ID="t", KRISEBOT_GRAPH_CLIENT_SECRET="s",
        KRISEBOT_ALARM_MAILBOX="it-alarm@struer.dk", KRISEBOT_ALARM_MAIL_SENDERS="@cfcs.dk",
        KRISEBOT_GRAPH_BASE_URL="http://127.0.0.1:9/v1.0",  # nothing answers: Entra findings, not a crash
    )
    notes = [line for line in result.stdout.splitlines() if line.lstrip().startswith("✓")]
    assert any("/api/alarms" in line and "(2 token)" in line and "prometheus hvert 5m" in line for line in notes)
    assert any("it-alarm@struer.dk" in line and "@cfcs.dk" in line for line in notes)
    assert not any("KRISEBOT_ALARM_TOKEN" in line for line in result.stdout.splitlines())
    assert "hemmelighed" not in result.stdout + result.stderr


def test_check_broken_plan_is_one_line_and_exits_2(tmp_path: Path) -> None:
    plan = _broken_plan(tmp_path)
    result = krisebot(tmp_path, "check", KRISEBOT_PLAN=str(plan))
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert str(plan) in line and "roles[leder].primary" in line and "ukendt person 'carl'" in line
    assert "Traceback" not in result.stderr + result.stdout


def test_check_wrong_setting_is_one_line_and_exits_2(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "check", KRISEBOT_PORT="abc")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "KRISEBOT_PORT" in line
    assert "Traceback" not in result.stderr + result.stdout


def test_check_ready_plan_exits_0(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, READY_PLAN, "ready.toml")
    result = krisebot(tmp_path, "check", KRISEBOT_PLAN=str(plan), **READY_SETTINGS)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("KLAR")
    assert not any(line.lstrip().startswith("!") for line in lines)
    assert any("gatewayapi" in line for line in lines)
    assert any("Opkald: planen ringer ikke op" in line for line in lines)
    assert any(line.startswith(f"  ✓ Python {sys.version_info.major}.{sys.version_info.minor}") for line in lines)
    assert READY_SETTINGS["KRISEBOT_BOT_APP_PASSWORD"] not in result.stdout


def _marks(result: subprocess.CompletedProcess[str], mark: str) -> list[str]:
    """The report's lines marked ``mark`` (✓ note, ! warning, ✗ error), without the mark."""
    return [line.strip()[2:] for line in result.stdout.splitlines() if line.strip().startswith(mark)]


def test_check_says_which_channels_reach_each_role_of_the_bundled_plan(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "check")

    assert result.returncode == 1, result.stderr
    notes, warnings = _marks(result, "✓"), _marks(result, "!")
    assert (
        "Ansvarlig for IT og Digitalisering: opkald: Claus Vagn Ohrt (fastnet), Peter Knudsen (fastnet); "
        "Teams: ingen; sms: ingen"
    ) in notes
    assert (
        "Kriseleder: opkald: Jesper Thyrring Møller (mobil), Emil B. Christensen (mobil); Teams: ingen; "
        "sms: Jesper Thyrring Møller, Emil B. Christensen"
    ) in notes
    assert (
        "Ansvarlig for økonomi: opkald: Henrik Jebjerg Mogensen (fastnet), Emil B. Christensen (mobil); Teams: ingen; "
        "sms: Emil B. Christensen"
    ) in notes
    assert not any("kan ikke nås uden for Office 365" in line for line in warnings)
    [claus] = [line for line in warnings if line.startswith("Claus Vagn Ohrt (")]
    assert claus.endswith("har intet mobilnummer og kan ikke nås på sms, men kan ringes op på fastnet")
    [voice] = [line for line in warnings if line.startswith("Opkald:")]
    assert "console" in voice and "krisebot-calls.log" in voice and "KRISEBOT_VOICE_PROVIDER" in voice


def test_check_says_the_bundled_plans_external_participants_are_called_by_hand(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "check")

    notes = _marks(result, "✓")
    by_hand = "ringes op manuelt, Krisebot kan ikke indkalde (planen har intet mobilnummer og siger ikke summon = true)"
    for name in ("Indsatsleder fra politiet", "Indsatsleder fra beredskabet", "Ekstern kriseleder fra Forsyning", "Andre myndigheder"):
        assert f"Ekstern deltager {name}: {by_hand}" in notes
    assert not any("Ekstern deltager" in line for line in _marks(result, "!") + _marks(result, "✗")), "information, not a fault"


def test_check_says_whom_krisebot_can_summon_and_how(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, with_summoned_external(default_plan_path().read_text(encoding="utf-8")).replace(
        'note = "Nabokommune, styrelser o.l."', 'note = "Nabokommune, styrelser o.l."\nphones = [{ number = "20 11 22 77", kind = "mobile" }]'
    ))

    notes = _marks(krisebot(tmp_path, "check", KRISEBOT_PLAN=str(plan)), "✓")

    assert "Ekstern deltager Vagtchef hos politiet: Krisebot kan indkalde på sms og opkald (mobil), mobil 20 11 22 66" in notes
    assert "Ekstern deltager Andre myndigheder: ringes op manuelt, Krisebot kan ikke indkalde (planen siger ikke summon = true)" in notes


def test_check_names_the_holders_teams_reaches_once_they_wrote_to_the_bot(tmp_path: Path) -> None:
    """A holder linked by an Entra object id is reached on Teams; the other is not (yet)."""
    plan = write_plan(tmp_path, READY_PLAN, "ready.toml")

    result = krisebot(tmp_path, "check", KRISEBOT_PLAN=str(plan), **READY_SETTINGS)

    teams = {line.split(": ", 1)[0]: line for line in _marks(result, "✓") if "Teams:" in line}
    assert teams, result.stdout
    assert all("Teams: ingen" not in line for line in teams.values()), result.stdout


def test_check_exits_1_for_a_role_nobody_can_reach_outside_office_365(tmp_path: Path) -> None:
    """The IT head and his deputy without their direct lines: when Office 365 is down, nobody in the role can be
    called or texted, and the role the plan's triage starts with is gone."""
    text = default_plan_path().read_text(encoding="utf-8")
    for number in ("96848143", "96848142"):
        text = text.replace(f'phones = [{{ number = "{number}", kind = "landline", label = "direkte" }}]', "")
    plan = write_plan(tmp_path, text, "uden-direkte-linjer.toml")

    result = krisebot(tmp_path, "check", KRISEBOT_PLAN=str(plan))

    assert result.returncode == 1, result.stdout + result.stderr
    warnings = _marks(result, "!")
    assert (
        "Rollen «Ansvarlig for IT og Digitalisering» kan ikke nås uden for Office 365: "
        "ingen af Claus Vagn Ohrt, Peter Knudsen kan nås på sms eller opkald"
    ) in warnings
    assert any(line.startswith("Peter Knudsen (") and line.endswith("kan hverken nås på sms eller ringes op") for line in warnings)
    assert "Ansvarlig for IT og Digitalisering: opkald: ingen; Teams: ingen; sms: ingen" in _marks(result, "✓")


def test_check_warns_of_every_role_when_the_plan_uses_neither_sms_nor_calls(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, READY_PLAN + '\n[contact_procedure.channels.order]\nfirst = ["teams"]\n', "kun-teams.toml")

    result = krisebot(tmp_path, "check", KRISEBOT_PLAN=str(plan), **READY_SETTINGS)

    assert result.returncode == 1, result.stdout + result.stderr
    outside = [line for line in _marks(result, "!") if "kan ikke nås uden for Office 365" in line]
    assert outside and all(line.endswith("planen bruger hverken sms eller opkald") for line in outside)


def test_check_refuses_the_console_voice_provider_on_a_public_service(tmp_path: Path) -> None:
    """Behind a public URL, the console provider would place no calls, and nobody could press a key."""
    result = krisebot(tmp_path, "check", **READY_SETTINGS, KRISEBOT_PUBLIC_URL="https://krise.struer.dk")

    assert result.returncode == 2, result.stdout + result.stderr
    [error] = _marks(result, "✗")
    assert error.startswith("Opkald: console") and "KRISEBOT_PUBLIC_URL" in error and "KRISEBOT_VOICE_PROVIDER" in error
    assert result.stdout.splitlines()[-1].startswith("FEJL")


def test_check_names_the_voice_provider_its_caller_id_and_backup(tmp_path: Path) -> None:
    voice = {
        "KRISEBOT_PUBLIC_URL": "https://krise.struer.dk", "KRISEBOT_VOICE_CALLER_ID": "96 84 84 84",
        "KRISEBOT_TWILIO_ACCOUNT_SID": "AC0123", "KRISEBOT_TWILIO_AUTH_TOKEN": "twilio-token",
    }
    backup = {
        "KRISEBOT_VOICE_BACKUP_PROVIDER": "vonage", "KRISEBOT_VONAGE_APPLICATION_ID": "app",
        "KRISEBOT_VONAGE_PRIVATE_KEY_PATH": str(tmp_path / "vonage.pem"), "KRISEBOT_VONAGE_SIGNATURE_SECRET": "s" * 32,
    }
    (tmp_path / "vonage.pem").write_text(FakeVonage().private_key_pem, encoding="utf-8")
    alone = krisebot(tmp_path, "check", **READY_SETTINGS, **voice, KRISEBOT_VOICE_PROVIDER="twilio")
    both = krisebot(tmp_path, "check", **READY_SETTINGS, **voice, **backup, KRISEBOT_VOICE_PROVIDER="twilio")

    assert "Opkald: twilio ringer op fra +4596848484, uden reserve (KRISEBOT_VOICE_BACKUP_PROVIDER), " \
        "højst 1 opkald i sekundet" in _marks(alone, "✓")
    assert "Opkald: twilio ringer op fra +4596848484, med vonage som reserve, højst 1 opkald i sekundet" in _marks(both, "✓")
    assert not any(line.startswith("Opkald:") for line in _marks(both, "!") + _marks(both, "✗"))
    assert "twilio-token" not in alone.stdout + both.stdout


@pytest.mark.parametrize(
    "env",
    [{"KRISEBOT_PORT": "abc"}, {"KRISEBOT_SMS_PROVIDER": "twilio"}],
    ids=["port", "incomplete-twilio"],
)
def test_serve_with_wrong_setting_exits_2_without_traceback(tmp_path: Path, env: dict[str, str]) -> None:
    result = krisebot(tmp_path, "serve", **env)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("krisebot: KRISEBOT_")
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_with_broken_plan_exits_2(tmp_path: Path) -> None:
    plan = _broken_plan(tmp_path)
    result = krisebot(tmp_path, "serve", KRISEBOT_PLAN=str(plan))
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert str(plan) in line and "roles[leder].primary" in line


def test_serve_on_a_busy_port_names_the_port_and_exits_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = krisebot(tmp_path, "serve", KRISEBOT_PORT=port)
    assert result.returncode == 2
    [line] = [line for line in result.stderr.splitlines() if line.startswith("krisebot:")]
    assert "KRISEBOT_PORT" in line and port in line
    assert "Traceback" not in result.stderr + result.stdout


def test_wrong_setting_is_explained_in_danish(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "check", KRISEBOT_PORT="abc")
    assert result.stderr.strip() == "krisebot: KRISEBOT_PORT: skal være et heltal"


def _logbog_with_one_crisis(database: DatabaseLocation) -> None:
    async def write() -> None:
        store = await open_store(database)
        at = datetime(2026, 3, 2, 7, 5, tzinfo=timezone.utc)
        await store.append(at=at, actor="cvo", crisis_id="K-2026-001",
                           payload=AlarmRaised(source="dpo", deliveries=["lonudbetaling"], description="Lønfil lækket"))
        await store.append(at=at, actor="cvo", crisis_id="K-2026-001",
                           payload=LogEntryAdded(kind=LogEntryKind.BESLUTNING, text="Datatilsynet underrettes"))
        await store.close()

    asyncio.run(write())


def setting(database: DatabaseLocation) -> str:
    """``database`` as KRISEBOT_DATABASE names it: a path, or a PostgreSQL URL with its password."""
    return database.conninfo if isinstance(database, PostgresUrl) else str(database)


def test_export_writes_the_logbog_as_markdown_and_html(tmp_path: Path, database: DatabaseLocation) -> None:
    _logbog_with_one_crisis(database)

    result = krisebot(tmp_path, "export", "k-2026-001", "--out", "eksport", KRISEBOT_DATABASE=setting(database))

    assert result.returncode == 0, result.stderr
    markdown = (tmp_path / "eksport" / "K-2026-001.md").read_text(encoding="utf-8")
    html = (tmp_path / "eksport" / "K-2026-001.html").read_text(encoding="utf-8")
    for document in (markdown, html):
        assert "K-2026-001" in document and "Lønfil lækket" in document and "Datatilsynet underrettes" in document
    assert "08:05:00 +01:00" in markdown


def test_export_says_whether_the_logbog_it_was_made_from_is_complete(tmp_path: Path) -> None:
    _logbog_with_one_crisis(tmp_path / "krisebot.db")
    assert krisebot(tmp_path, "export", "K-2026-001").returncode == 0
    assert "Logbogen er komplet" in (tmp_path / "K-2026-001.md").read_text(encoding="utf-8")

    with closing(sqlite3.connect(tmp_path / "krisebot.db")) as raw:  # a hand with an SQL tool removes an event
        raw.execute("DROP TRIGGER events_no_delete")
        raw.execute("DELETE FROM events WHERE seq = 2")
        raw.commit()
    result = krisebot(tmp_path, "export", "K-2026-001")

    assert result.returncode == 0, result.stderr
    for suffix in ("md", "html"):
        exported = (tmp_path / f"K-2026-001.{suffix}").read_text(encoding="utf-8")
        assert "Logbogen er ikke komplet: hændelse nr. 2 mangler i databasen" in exported
        assert "Datatilsynet underrettes" not in exported


def test_serve_check_and_export_name_an_unreachable_postgresql_server_and_never_its_password(tmp_path: Path) -> None:
    url = f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/logbog"  # nobody listens there
    server = postgres_url(url).server

    for command in (["serve"], ["check"], ["export", "K-2026-001"]):
        result = krisebot(tmp_path, *command, KRISEBOT_DATABASE=url, KRISEBOT_PORT=str(free_port()))

        assert result.returncode == 2, result.stdout
        assert result.stderr.startswith("krisebot: PostgreSQL-serveren svarer ikke"), result.stderr
        assert f"({server}: " in result.stderr
        assert PASSWORD not in result.stdout + result.stderr


def test_export_neither_creates_nor_migrates_a_postgresql_logbog(tmp_path: Path, postgres_database: PostgresUrl) -> None:
    result = krisebot(tmp_path, "export", "K-2026-001", KRISEBOT_DATABASE=postgres_database.conninfo)

    assert result.returncode == 2
    assert result.stderr == f"krisebot: {postgres_database}: databasen har ingen logbog endnu: krisebot serve opretter den\n"
    assert raw_sql(postgres_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_exported_logbogs_are_private_whatever_the_umask(tmp_path: Path) -> None:
    _logbog_with_one_crisis(tmp_path / "krisebot.db")

    result = krisebot(tmp_path, "export", "K-2026-001", umask=0)

    assert result.returncode == 0, result.stderr
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in tmp_path.glob("K-2026-001.*")} == {
        "K-2026-001.md": 0o600, "K-2026-001.html": 0o600,
    }


def test_export_sms_writes_the_sms_kept_outside_any_crisis(tmp_path: Path) -> None:
    _logbog_with_one_crisis(tmp_path / "krisebot.db")
    assert krisebot(tmp_path, "export", "sms").stdout == "Ingen sms uden for en krise i krisebot.db.\n"

    async def write() -> None:
        store = await open_store(tmp_path / "krisebot.db")
        at = datetime(2026, 3, 2, 7, 5, tzinfo=timezone.utc)
        kept = SmsReceived(person="jesper", number="+4529256511", text="KRISE STATUS", outcome="overblik sendt")
        await store.append(at=at, actor="jesper", payload=kept)
        await store.close()

    asyncio.run(write())
    result = krisebot(tmp_path, "export", "sms", umask=0)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["sms-uden-krise.md", "sms-uden-krise.html"]
    markdown = (tmp_path / "sms-uden-krise.md").read_text(encoding="utf-8")
    assert "# Sms uden for en krise" in markdown and "Lønfil lækket" not in markdown
    assert "2026-03-02 08:05:00 +01:00" in markdown
    assert "Sms fra Jesper Thyrring Møller (+4529256511): «KRISE STATUS» – overblik sendt" in markdown
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in tmp_path.glob("sms-uden-krise.*")} == {
        "sms-uden-krise.md": 0o600, "sms-uden-krise.html": 0o600,
    }


def test_check_refuses_the_console_provider_on_a_public_service(tmp_path: Path) -> None:
    """Behind a public URL, the console provider would send no SMS and take replies from anyone."""
    plan = write_plan(tmp_path, READY_PLAN, "ready.toml")
    settings = READY_SETTINGS | {"KRISEBOT_SMS_PROVIDER": "console", "KRISEBOT_PUBLIC_URL": "https://krise.struer.dk"}

    result = krisebot(tmp_path, "check", KRISEBOT_PLAN=str(plan), **settings)

    assert result.returncode == 2, result.stdout + result.stderr
    [error] = [line for line in result.stdout.splitlines() if line.lstrip().startswith("✗")]
    assert "console" in error and "KRISEBOT_PUBLIC_URL" in error and "KRISEBOT_SMS_PROVIDER" in error
    assert result.stdout.splitlines()[-1].startswith("FEJL")


def test_check_stops_at_a_misspelled_setting(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "check", KRISEBOT_SMS_PROVDER="gatewayapi")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "krisebot: KRISEBOT_SMS_PROVDER: ukendt indstilling (mente du KRISEBOT_SMS_PROVIDER?)"
    ]


def test_export_of_an_unknown_crisis_exits_2(tmp_path: Path) -> None:
    _logbog_with_one_crisis(tmp_path / "krisebot.db")

    result = krisebot(tmp_path, "export", "K-2026-999")

    assert result.returncode == 2
    assert "K-2026-999" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.md"))


def test_an_sms_reply_from_the_command_line_reaches_the_running_service(tmp_path: Path) -> None:
    env = {"KRISEBOT_PORT": str(free_port()), "KRISEBOT_DATABASE": str(tmp_path / "k.db")}
    environment = {n: v for n, v in os.environ.items() if not n.upper().startswith("KRISEBOT_")} | env
    service = subprocess.Popen([str(KRISEBOT), "serve"], cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            answered = krisebot(tmp_path, "sms-reply", "29 25 65 11", "ALARM O365 er nede", **env)
            if "svarer ikke" not in answered.stderr:
                break
            asyncio.run(asyncio.sleep(0.1))
        assert answered.returncode == 0, answered.stderr
        assert "afleveret" in answered.stdout
        sms_file = tmp_path / "krisebot-sms.log"
        for _ in range(50):
            if sms_file.exists() and "er modtaget" in sms_file.read_text(encoding="utf-8"):
                break
            asyncio.run(asyncio.sleep(0.1))
        written = sms_file.read_text(encoding="utf-8")
        assert "+4529256511" in written and "Alarm K-" in written and "er modtaget" in written
    finally:
        service.terminate()
        service.wait(timeout=10)


def test_an_sms_reply_without_a_running_service_says_so(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "sms-reply", "29256511", "1K", KRISEBOT_PORT=str(free_port()))
    assert result.returncode == 2
    assert "kører krisebot serve?" in result.stderr and "Traceback" not in result.stderr


def test_the_minutes_after_kommer_are_pressed_from_the_command_line(tmp_path: Path) -> None:
    """The README's crisis by phone, on to the summons (pressed in-process up to «kommer»): the communications lead
    types the minutes with ``krisebot call-reply 40408007 20#``."""
    port = free_port()
    env = {"KRISEBOT_PORT": str(port), "KRISEBOT_DATABASE": str(tmp_path / "k.db"), "KRISEBOT_VOICE_CALLS_PER_SECOND": "50"}
    environment = {n: v for n, v in os.environ.items() if not n.upper().startswith("KRISEBOT_")} | env
    service = subprocess.Popen([str(KRISEBOT), "serve"], cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True)
    base, calls = f"http://127.0.0.1:{port}", tmp_path / "krisebot-calls.log"

    def waits(number: str) -> None:
        for _ in range(200):  # until the call to the number waits for keys
            if calls.exists() and f"krisebot call-reply +45{number} " in calls.read_text(encoding="utf-8"):
                return
            asyncio.run(asyncio.sleep(0.05))

    try:
        for _ in range(200):
            try:
                asyncio.run(send_reply(base, "29256511", "ALARM Netværket er nede på rådhuset"))
                break
            except ConsoleRequestError:
                asyncio.run(asyncio.sleep(0.05))
        for number in ("96848143", "29256511"):  # the IT head informs the director, who activates the crisis staff
            waits(number)
            assert "Tak." in asyncio.run(send_keys(base, number, "2"))["say"]
        waits("40408007")
        assert asyncio.run(send_keys(base, "40408007", "1"))["ask"] == "number"

        arriving = krisebot(tmp_path, "call-reply", "40408007", "20#", **env)
        assert arriving.returncode == 0, arriving.stderr
        assert "Tasterne 20# er trykket på opkaldet til 40408007." in arriving.stdout
        assert "Du er noteret til at være fremme om cirka 20 minutter, klokken " in arriving.stdout
        assert "Opkaldet er lagt på." in arriving.stdout
    finally:
        service.terminate()
        service.wait(timeout=10)


def test_a_call_reply_without_a_running_service_says_so(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "call-reply", "29256511", "1", KRISEBOT_PORT=str(free_port()))
    assert result.returncode == 2
    assert "kører krisebot serve?" in result.stderr and "Traceback" not in result.stderr


def test_export_pdf_writes_the_logbog_as_a_private_pdf_too(tmp_path: Path) -> None:
    pdf_renderer()
    _logbog_with_one_crisis(tmp_path / "krisebot.db")

    result = krisebot(tmp_path, "export", "K-2026-001", "--pdf", umask=0)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["K-2026-001.md", "K-2026-001.html", "K-2026-001.pdf"]
    assert stat.S_IMODE((tmp_path / "K-2026-001.pdf").stat().st_mode) == 0o600
    document = (tmp_path / "K-2026-001.pdf").read_bytes()
    shown = pdf_text(document)
    assert document.startswith(b"%PDF-") and "Lønfil lækket" in shown and "Datatilsynet underrettes" in shown
    assert "K-2026-001 · eksporteret " in shown and re.search(r"Side 1 af \d+", shown)
