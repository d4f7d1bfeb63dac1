"""The console provider: each SMS in the log and in a file a newcomer can tail, with ids unique across restarts."""

import logging
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.channels.sms.base import OutgoingSms
from bot.channels.console import service_url
from bot.channels.sms.console import ConsoleSms

NOW = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)


async def test_each_sms_goes_to_the_file_and_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "logs" / "krisebot-sms.log"
    console = ConsoleSms(path, clock=lambda: NOW)
    with caplog.at_level(logging.INFO, logger="krisebot.sms"):
        ids = await console.send([
            OutgoingSms(to="+4520304050", text="Krise K-2026-001 — mød nu\nSvar 1K", ref="K-2026-001/triage/cvo/sms"),
            OutgoingSms(to="+4529256511", text="Krise 🔥", ref="K-2026-001/triage/peter/sms"),
        ])
    assert len(set(ids)) == 2 and all(i.startswith("console-") for i in ids)
    assert path.read_text(encoding="utf-8").splitlines() == [
        f"2026-11-28T14:05:00+01:00\t+4520304050\t{ids[0]}\tK-2026-001/triage/cvo/sms\tKrise K-2026-001 - mød nu / Svar 1K",
        f"2026-11-28T14:05:00+01:00\t+4529256511\t{ids[1]}\tK-2026-001/triage/peter/sms\tKrise ",
    ]
    assert "Krise K-2026-001 - mød nu" in caplog.text and "+4529256511" in caplog.text


async def test_ids_stay_unique_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "sms.log"
    message = [OutgoingSms(to="+4520304050", text="x", ref="r")]
    first = await ConsoleSms(path, clock=lambda: NOW).send(message)
    again = await ConsoleSms(path, clock=lambda: NOW).send(message)
    assert first != again and len(path.read_text(encoding="utf-8").splitlines()) == 2


async def test_the_sms_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    """It holds phone numbers: 0600, also when an older file was readable by others."""
    older, new = tmp_path / "older.log", tmp_path / "new.log"
    older.write_text("", encoding="utf-8")
    older.chmod(0o644)
    message = [OutgoingSms(to="+4520304050", text="x", ref="r")]
    permissive = os.umask(0)
    try:
        for path in (older, new):
            await ConsoleSms(path, clock=lambda: NOW).send(message)
    finally:
        os.umask(permissive)
    assert [stat.S_IMODE(path.stat().st_mode) for path in (older, new)] == [0o600, 0o600]


@pytest.mark.parametrize(
    ("host", "url"),
    [("127.0.0.1", "http://127.0.0.1:3978"), ("0.0.0.0", "http://127.0.0.1:3978"), ("::", "http://[::1]:3978"),
     ("::1", "http://[::1]:3978"), ("krise.local", "http://krise.local:3978")],
)
def test_the_command_line_finds_the_service(host: str, url: str) -> None:
    assert service_url(host, 3978) == url
