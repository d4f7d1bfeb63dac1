"""``krisebot serve`` killed with SIGKILL between placing a call and the call's callbacks, then restarted, on
SQLite and on PostgreSQL.

The service runs as a subprocess on the bundled plan, calling through a fake Twilio in the test's
event loop. The IT head's call is placed and recorded; the process dies before any callback.
After the restart no second call goes out, and the callbacks of the call placed before the kill
reach the new process: the key press is acted on and nothing is lost.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.database_url import DatabaseLocation
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.fakes.twilio_voice import FakeCall, FakeTwilioVoice
from tests.protocol.alarms import TOKEN, generic
from tests.raw_sql import read
from tests.serve import free_port, serving
from tests.stores import setting

IT_HEAD_LINE = next(p.number for p in load_plan(default_plan_path()).person_by_id["cvo"].phones if p.kind == "landline")


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioVoice]:
    async with FakeTwilioVoice() as fake:
        yield fake


async def until(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.05)


async def test_a_sigkill_between_placing_a_call_and_its_callbacks_loses_no_key_and_places_no_second_call(
    tmp_path: Path, database: DatabaseLocation, twilio: FakeTwilioVoice
) -> None:
    port = free_port()
    settings = dict(
        KRISEBOT_PORT=str(port), KRISEBOT_PUBLIC_URL=f"http://127.0.0.1:{port}", KRISEBOT_DATABASE=setting(database),
        KRISEBOT_ALARM_TOKEN=TOKEN, KRISEBOT_VOICE_PROVIDER="twilio", KRISEBOT_VOICE_CALLER_ID="+4596848000",
        KRISEBOT_SMS_PROVIDER="twilio", KRISEBOT_SMS_SENDER="Krisebot", KRISEBOT_TWILIO_BASE_URL=twilio.url.rstrip("/"),
        KRISEBOT_TWILIO_ACCOUNT_SID=twilio.account_sid, KRISEBOT_TWILIO_AUTH_TOKEN=twilio.auth_token,
    )

    def placed() -> list[FakeCall]:
        return [call for call in twilio.calls if call.to == IT_HEAD_LINE]

    with serving(tmp_path, **settings) as (first, base):
        async with aiohttp.ClientSession() as session:
            alarm = generic(title="Ingen kan logge på Office 365", deliveries=["o365"])
            async with session.post(f"{base}/api/alarms", json=alarm, headers={"Authorization": f"Bearer {TOKEN}"}) as answer:
                assert answer.status == 202, await answer.text()
        await until(lambda: placed(), "the call to the IT head")
        await until(lambda: read(database, "SELECT provider_id FROM calls WHERE provider_id IS NOT NULL"),
                    "the call recorded as placed")
        first.kill()
        first.wait(timeout=10)
    [call] = placed()

    with serving(tmp_path, **settings):
        await asyncio.sleep(1.5)  # the restarted pager sends what is overdue at once
        assert placed() == [call], "no second call after the restart"
        assert (await twilio.answer(call)).status == 200
        assert "Tryk 1 for at kvittere." in call.words()
        assert (await twilio.press(call, "1")).status == 200
        assert "Det er registreret: kvitteret." in call.words()
        assert (await twilio.status(call, "completed")).status == 200

    rows = read(database, "SELECT actor, type, payload FROM events WHERE type IN ('acknowledged', 'key_pressed') ORDER BY seq")
    assert [(actor, kind) for actor, kind, _ in rows] == [("cvo", "key_pressed"), ("cvo", "acknowledged")]
    assert "kvitteret pr. telefon (tast 1)" in rows[0][2]
    assert len(placed()) == 1
