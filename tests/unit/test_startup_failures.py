"""``krisebot serve`` that cannot start says why in one line and exits 2 at once, as systemd needs it to:
a damaged database, a logbog from a newer version, an empty database file, a database it cannot
write, a misspelled setting, an address it cannot listen on. Never a traceback, never a hang."""

import asyncio
import hashlib
import os
import shutil
import socket
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.core.events import AlarmRaised, LogEntryAdded, LogEntryKind
from bot.store import open_store
from tests.serve import serve_until_exit

AT = datetime(2026, 3, 2, 7, 5, tzinfo=timezone.utc)


def _logbog(database: Path, *, alarm: bool = True, notes: int = 300) -> Path:
    """A real logbog written by the store: one crisis (opened by an alarm, unless not) with ``notes`` log entries."""

    async def write() -> None:
        store = await open_store(database)
        if alarm:
            await store.append(at=AT, actor="cvo", crisis_id="K-2026-001",
                               payload=AlarmRaised(source="dpo", deliveries=["lonudbetaling"], description="Lønfil lækket"))
        for n in range(notes):
            await store.append(at=AT, actor="cvo", crisis_id="K-2026-001",
                               payload=LogEntryAdded(kind=LogEntryKind.BESLUTNING, text=f"Beslutning {n} " + "x" * 200))
        await store.close()

    asyncio.run(write())
    return database


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line(result, database: Path) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith(f"krisebot: {database}: ")
    return line


def test_a_damaged_database_page_stops_start_up_with_one_line(tmp_path: Path) -> None:
    database = _logbog(tmp_path / "krisebot.db")
    pages = database.stat().st_size // 4096
    with database.open("r+b") as file:  # a page in the middle of the file overwritten, as a bad disk sector would
        file.seek(pages // 2 * 4096)
        file.write(bytes(range(256)) * 16)

    line = _one_line(serve_until_exit(tmp_path, KRISEBOT_DATABASE=str(database)), database)

    assert "beskadiget" in line and "sikkerhedskopi" in line


def test_a_logbog_from_a_newer_version_stops_start_up_and_is_left_as_it_is(tmp_path: Path) -> None:
    database = _logbog(tmp_path / "krisebot.db", notes=1)
    with closing(sqlite3.connect(database)) as db:
        db.execute(
            "INSERT INTO events (at, crisis_id, actor, type, payload) VALUES (?, 'K-2026-001', 'cvo', 'meeting_held', ?)",
            (AT.isoformat(), '{"type": "meeting_held", "minutes": "..."}'),
        )
        db.commit()
    before = _digest(database)

    line = _one_line(serve_until_exit(tmp_path, KRISEBOT_DATABASE=str(database)), database)

    assert "meeting_held" in line and "nyere version" in line
    assert _digest(database) == before


def test_an_empty_database_file_is_refused_not_made_a_new_logbog(tmp_path: Path) -> None:
    database = tmp_path / "krisebot.db"
    database.touch()

    line = _one_line(serve_until_exit(tmp_path, KRISEBOT_DATABASE=str(database)), database)

    assert "tom (0 byte)" in line and "sikkerhedskopi" in line and "slet filen" in line
    assert database.stat().st_size == 0


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="as root, setpriv (util-linux) is needed")
def test_a_database_the_service_cannot_write_stops_start_up(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    database = _logbog(folder / "krisebot.db", notes=1)
    database.chmod(0o444)
    folder.chmod(0o555)
    # root writes whatever the mode says; without CAP_DAC_OVERRIDE it obeys it, as the service user does
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    try:
        result = serve_until_exit(tmp_path, prefix=prefix, KRISEBOT_DATABASE=str(database))
    finally:
        folder.chmod(0o755)

    assert "skrivebeskyttet" in _one_line(result, database)


def test_any_other_failed_start_exits_2_instead_of_hanging(tmp_path: Path) -> None:
    """A logbog this version reads but cannot make sense of (a crisis without its alarm) is no setting and no
    damaged file: the start still fails at once, with the reason as the last line."""
    database = _logbog(tmp_path / "krisebot.db", alarm=False, notes=1)

    result = serve_until_exit(tmp_path, KRISEBOT_DATABASE=str(database))

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith("krisebot: kunne ikke starte: ")


def test_an_address_the_service_cannot_listen_on_is_named_as_the_host(tmp_path: Path) -> None:
    result = serve_until_exit(tmp_path, KRISEBOT_HOST="192.0.2.1", KRISEBOT_DATABASE=str(tmp_path / "k.db"))

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("krisebot: KRISEBOT_HOST: kan ikke lytte på 192.0.2.1:")
    assert line.endswith(": adressen hører ikke til denne maskine")


def test_a_port_in_use_is_named_in_danish(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = serve_until_exit(
            tmp_path, KRISEBOT_HOST="127.0.0.1", KRISEBOT_PORT=str(port), KRISEBOT_DATABASE=str(tmp_path / "k.db")
        )

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"krisebot: KRISEBOT_PORT: kan ikke lytte på 127.0.0.1:{port}: porten er optaget af et andet program "
        "(kører Krisebot allerede?)"
    )


def test_a_misspelled_setting_stops_start_up_naming_it(tmp_path: Path) -> None:
    result = serve_until_exit(tmp_path, KRISEBOT_PROT="4000", KRISEBOT_DATABASE=str(tmp_path / "k.db"))

    assert result.returncode == 2
    assert result.stderr.splitlines() == ["krisebot: KRISEBOT_PROT: ukendt indstilling (mente du KRISEBOT_PORT?)"]
    assert not (tmp_path / "k.db").exists()


def test_a_misspelled_setting_in_dotenv_stops_start_up_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KRISEBOT_SMS_PROVDER=gatewayapi\n", encoding="utf-8")

    result = serve_until_exit(tmp_path, KRISEBOT_DATABASE=str(tmp_path / "k.db"))

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("krisebot: KRISEBOT_SMS_PROVDER: ukendt indstilling") and "KRISEBOT_SMS_PROVIDER" in line
