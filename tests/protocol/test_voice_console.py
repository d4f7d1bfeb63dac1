"""The console voice provider: each call in the log and a file a newcomer can tail, answered as a person would,
and keys pressed from the command line (``send_keys``, as ``krisebot call-reply`` does) against the running routes."""

import asyncio
import logging
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels.console import ConsoleRequestError
from bot.channels.voice.base import Ask, CallStatus, KeyPress, OutgoingCall
from bot.channels.voice.console import ConsoleVoice, Exchange, send_keys
from bot.channels.voice.providers import voice_provider
from bot.clock import system_clock
from bot.settings import load_settings
from tests.protocol.voice import ASK, INTRO, MINUTES, RecordingDesk, no_outside_settings, start  # noqa: F401 (fixtures)

CALL = OutgoingCall(to="+4520304050", caller_id="+4578787878", ref="K-2026-001/summons/cvo/voice")


def lines(path: Path) -> list[str]:
    return [line.split("\t", 4)[4] for line in path.read_text(encoding="utf-8").splitlines()]


async def test_a_call_is_written_whole_and_answered_as_a_person_would(
    tmp_path: Path, start: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(_env_file=None, database=tmp_path / "k.db")
    service = await start(lambda _: settings)
    async with aiohttp.ClientSession() as session:
        console = voice_provider(settings, session, service.desk)
    assert isinstance(console, ConsoleVoice)
    with caplog.at_level(logging.INFO, logger="krisebot.voice"):
        call_id = await console.place(CALL)
        await console.exchange.aclose()

    path = tmp_path / "krisebot-calls.log"
    assert settings.voice_console_path == path and call_id.startswith("console-")
    assert lines(path) == [
        "ringer op fra +4578787878", f"siger: «{INTRO}»", f"siger: «{ASK}»",
        "venter på en tast: krisebot call-reply +4520304050 TAST",
    ]
    assert all(f"+4520304050\t{call_id}\t{CALL.ref}\t" in line for line in path.read_text(encoding="utf-8").splitlines())
    assert INTRO in caplog.text
    (answer,) = service.desk.answers
    assert (answer.provider, answer.call_id, answer.ref, answer.machine) == ("console", call_id, CALL.ref, False)
    assert [u.status for u in service.desk.updates] == [CallStatus.ANSWERED]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_keys_from_the_command_line_reach_the_desk_and_the_call_says_what_happened(
    tmp_path: Path, start: Callable[..., Any]
) -> None:
    settings = load_settings(_env_file=None, database=tmp_path / "k.db")
    service = await start(lambda _: settings)
    async with aiohttp.ClientSession() as session:
        console = voice_provider(settings, session, service.desk)
    assert isinstance(console, ConsoleVoice)
    call_id = await console.place(CALL)
    await console.exchange.aclose()

    again = await send_keys(service.url, "20 30 40 50", "9")
    assert again == {"say": ["Det forstod jeg ikke.", ASK], "gather": True, "round": 2, "ask": "key"}
    done = await send_keys(service.url, "20304050", "1")
    assert done == {"say": ["Tak. Du er registreret som på vej."], "gather": False, "round": 1, "ask": "key"}

    assert [(k.call_id, k.ref, k.digits, k.round) for k in service.desk.presses] == [
        (call_id, CALL.ref, "9", 1), (call_id, CALL.ref, "1", 2)
    ]
    assert lines(settings.voice_console_path)[-3:] == ["tast 1", "siger: «Tak. Du er registreret som på vej.»", "lægger på"]
    assert [u.status for u in service.desk.updates] == [CallStatus.ANSWERED, CallStatus.COMPLETED]
    with pytest.raises(ConsoleRequestError, match="intet opkald til \\+4520304050 venter på en tast"):
        await send_keys(service.url, "20304050", "1")


async def test_no_key_is_an_empty_press(tmp_path: Path, start: Callable[..., Any]) -> None:
    settings = load_settings(_env_file=None, database=tmp_path / "k.db")
    service = await start(lambda _: settings)
    console = ConsoleVoice(settings.voice_console_path, service.desk, clock=system_clock)
    await console.place(CALL)
    await console.exchange.aclose()
    await send_keys(service.url, "+4520304050", "")
    assert [(k.digits, k.round) for k in service.desk.presses] == [("", 1)]


async def test_a_number_prompt_takes_its_digits_and_the_hash_from_the_command_line(
    tmp_path: Path, start: Callable[..., Any]
) -> None:
    settings = load_settings(_env_file=None, database=tmp_path / "k.db")
    service = await start(lambda _: settings)
    console = ConsoleVoice(settings.voice_console_path, service.desk, clock=system_clock)
    call_id = await console.place(CALL)
    await console.exchange.aclose()

    asked = await send_keys(service.url, "20304050", "3")
    assert asked == {"say": [MINUTES], "gather": True, "round": 1, "ask": "number"}
    assert lines(settings.voice_console_path)[-1] == 'venter på op til 3 tal og #: krisebot call-reply +4520304050 "TAL#"'
    with pytest.raises(ConsoleRequestError, match="tast højst 3 tal og afslut med #"):
        await send_keys(service.url, "20304050", "1234#")
    done = await send_keys(service.url, "20304050", "20#")
    assert done["say"] == ["Tak. Du tastede 20#."] and not done["gather"]
    assert service.desk.presses[-1] == KeyPress(
        provider="console", call_id=call_id, ref=CALL.ref, digits="20#", round=1, ask=Ask.NUMBER
    )
    assert lines(settings.voice_console_path)[-3:] == ["tast 20#", "siger: «Tak. Du tastede 20#.»", "lægger på"]


@pytest.mark.parametrize(
    ("number", "digits", "reason"),
    [("hej", "1", "ikke et telefonnummer"), ("20304050", "12", "tast én tast"),
     ("20304050", "A", "tast kun 0-9, \\* og #"), ("20304050", "1" * 21, "tast kun 0-9, \\* og #")],
)
async def test_bad_keys_are_refused_in_danish(
    tmp_path: Path, start: Callable[..., Any], number: str, digits: str, reason: str
) -> None:
    settings = load_settings(_env_file=None, database=tmp_path / "k.db")
    service = await start(lambda _: settings)
    console = ConsoleVoice(settings.voice_console_path, service.desk, clock=system_clock)
    await console.place(CALL)
    await console.exchange.aclose()
    with pytest.raises(ConsoleRequestError, match=reason):
        await send_keys(service.url, number, digits)
    assert not service.desk.presses


async def test_keys_need_a_running_service_with_the_console_provider(tmp_path: Path, start: Callable[..., Any]) -> None:
    twilio = await start(lambda public_url: load_settings(
        _env_file=None, voice_provider="twilio", voice_caller_id="+4578787878", public_url=public_url,
        twilio_account_sid="AC1", twilio_auth_token="token",
    ))
    with pytest.raises(ConsoleRequestError, match="KRISEBOT_VOICE_PROVIDER er ikke console"):
        await send_keys(twilio.url, "20304050", "1")
    with pytest.raises(ConsoleRequestError, match="kører krisebot serve"):
        await send_keys("http://127.0.0.1:9", "20304050", "1")


async def test_the_console_route_is_not_there_with_a_public_url(tmp_path: Path, start: Callable[..., Any]) -> None:
    service = await start(lambda _: load_settings(_env_file=None, database=tmp_path / "k.db", public_url="https://krise.example.dk"))
    with pytest.raises(ConsoleRequestError, match="uden KRISEBOT_PUBLIC_URL"):
        await send_keys(service.url, "20304050", "1")


async def test_a_prompt_nobody_answers_times_out_by_itself(tmp_path: Path) -> None:
    desk = RecordingDesk()  # it asks again after every key that is not 1 or 2, a timeout included
    line = Exchange(tmp_path / "calls.log", clock=system_clock, key_wait=0.01)
    await line.ring(CALL, "console-1", desk)
    for _ in range(300):
        if len(desk.presses) >= 2:
            break
        await asyncio.sleep(0.01)
    await line.aclose()
    assert [(k.digits, k.round) for k in desk.presses[:2]] == [("", 1), ("", 2)], "each prompt timed out without a key"
    assert lines(tmp_path / "calls.log").count("ingen tast") >= 2
