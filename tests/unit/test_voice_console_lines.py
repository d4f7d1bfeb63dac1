"""What the console voice provider writes to its call file, line by line, for a newcomer reading it."""

from datetime import datetime, timezone
from pathlib import Path

from bot.channels.voice.base import OutgoingCall
from bot.channels.voice.console import Exchange
from tests.protocol.voice import RecordingDesk

AT = datetime(2026, 3, 2, 7, 5, tzinfo=timezone.utc)


async def _first_line(tmp_path: Path, caller_id: str) -> str:
    exchange = Exchange(tmp_path / "krisebot-calls.log", clock=lambda: AT)
    await exchange.ring(OutgoingCall(to="+4596848143", caller_id=caller_id, ref="ref-1"), "console-1", RecordingDesk())
    await exchange.aclose()
    return (tmp_path / "krisebot-calls.log").read_text(encoding="utf-8").splitlines()[0].split("\t")[4]


async def test_a_call_says_the_number_it_comes_from(tmp_path: Path) -> None:
    assert await _first_line(tmp_path, "+4596848484") == "ringer op fra +4596848484"


async def test_a_call_without_a_caller_id_says_which_setting_names_it(tmp_path: Path) -> None:
    assert await _first_line(tmp_path, "") == "ringer op uden afsendernummer (KRISEBOT_VOICE_CALLER_ID er ikke sat)"
