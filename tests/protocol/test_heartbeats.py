"""POST /api/heartbeats/{id}: a monitoring system that falls silent raises «Overvågning er tavs» to the IT head."""

from datetime import timedelta

import pytest

from bot.app import CRISES, INTAKE
from bot.core.state import Phase
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.protocol.alarms import AUTH, TOKEN
from tests.protocol.crisis import Crisis, text_of, verbs
from tests.protocol.teams import CLAUS, EVERYONE, installed, register

# The bundled plan: heartbeat "prometheus" every 5 minutes, 2 minutes' grace.
SILENT_AFTER = timedelta(minutes=7)


async def started(settings_for, start_bot, connector: FakeConnector, clock: Clock) -> Crisis:
    bot = await start_bot(settings_for(alarm_token=TOKEN), clock=clock)
    register(connector, *EVERYONE)
    for user in EVERYONE:
        assert (await bot.post(installed(user, connector.url))).status == 201
    return Crisis(bot, connector)


async def beat(crisis: Crisis, name: str = "prometheus", headers: dict[str, str] = AUTH):
    return await crisis.bot.client.post(f"/api/heartbeats/{name}", headers=headers)


async def check(crisis: Crisis):
    """What the watcher does when it wakes; when it would wake next."""
    wake = await crisis.bot.client.app[INTAKE].watcher.check()
    await crisis.settled()
    return wake


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_a_silent_heartbeat_raises_an_alarm_and_its_return_is_logged(
    settings_for, start_bot, connector, clock: Clock
) -> None:
    crisis = await started(settings_for, start_bot, connector, clock)
    assert (await beat(crisis)).status == 202
    clock.now += SILENT_AFTER - timedelta(seconds=1)
    assert await check(crisis) == clock.now + timedelta(seconds=1)
    assert crisis.bot.client.app[CRISES].all() == []

    clock.now += timedelta(seconds=1)
    await check(crisis)
    [state] = crisis.bot.client.app[CRISES].all()
    assert state.description.startswith("Overvågning er tavs: Prometheus og Alertmanager (prometheus)")
    assert (state.source, state.deliveries, state.raised_by) == ("overvaagning", ("it-infrastruktur",), "Overvågning (livstegn)")
    triage = [c for c in crisis.cards_of(CLAUS) if "triage_inform_director" in verbs(c)]
    assert len(triage) == 1 and "Overvågning er tavs" in text_of(triage[0])

    clock.now += timedelta(minutes=30)
    await check(crisis)  # still silent: no second alarm
    assert len(crisis.bot.client.app[CRISES].all()) == 1

    back = await beat(crisis)
    assert back.status == 202 and (await back.json())["crisis"] == state.id
    await crisis.settled()
    events = await crisis.bot.store.events(crisis_id=state.id)
    assert any(e.payload.type == "alarm_reported" and "melder sig igen" in e.payload.text for e in events)
    assert crisis.bot.client.app[CRISES].get(state.id).phase is Phase.TRIAGE
    assert any("Overvågningen melder alarmen afklaret" in text_of(c) for c in crisis.cards_of(CLAUS))


async def test_a_restart_keeps_the_time_of_the_last_beat(settings_for, start_bot, connector, clock: Clock) -> None:
    first = await started(settings_for, start_bot, connector, clock)
    assert (await beat(first)).status == 202
    await first.bot.client.close()

    clock.now += SILENT_AFTER
    again = await started(settings_for, start_bot, connector, clock)
    await check(again)
    assert len(again.bot.client.app[CRISES].all()) == 1


async def test_a_heartbeat_never_heard_counts_from_the_start(settings_for, start_bot, connector, clock: Clock) -> None:
    crisis = await started(settings_for, start_bot, connector, clock)
    assert await check(crisis) == clock.now + SILENT_AFTER
    assert crisis.bot.client.app[CRISES].all() == []


async def test_unknown_heartbeats_and_wrong_tokens_are_refused(settings_for, start_bot, connector, clock: Clock) -> None:
    crisis = await started(settings_for, start_bot, connector, clock)
    unknown = await beat(crisis, "zabbix")
    assert unknown.status == 404 and "zabbix" in (await unknown.json())["error"]
    assert (await beat(crisis, headers={"Authorization": "Bearer forkert"})).status == 401
    assert (await beat(crisis, headers={})).status == 401


async def test_without_an_alarm_token_heartbeats_are_not_watched(settings_for, start_bot, connector, clock: Clock) -> None:
    bot = await start_bot(settings_for(), clock=clock)
    assert bot.client.app[INTAKE].watcher is None  # no beat could arrive, so silence would be a false alarm
    assert (await bot.client.post("/api/heartbeats/prometheus")).status == 503
