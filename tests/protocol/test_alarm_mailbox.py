"""The alarm mailbox: new mail from listed senders becomes an alarm in triage, read through Graph's delta query."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import CRISES, INTAKE, PLAN
from bot.render.export import logbog_markdown
from tests.clock import Clock
from tests.fakes.graph import FakeCredential, FakeGraph
from tests.protocol.alarms import TOKEN

MAILBOX = "it-alarm@struer.dk"
SENDERS = "@cfcs.dk, servicedesk@leverandor.dk"


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        fake.add_user("mbx-1", MAILBOX, "IT-alarmer")
        yield fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


def at(clock: Clock, minutes: int) -> str:
    return (clock.now + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def start(settings_for, start_bot, graph: FakeGraph, clock: Clock):
    settings = settings_for(
        alarm_token=TOKEN, graph_tenant_id="t", graph_client_id="graph-app", graph_client_secret="not-a-real-secret",
        graph_base_url=graph.url, alarm_mailbox=MAILBOX, alarm_mail_senders=SENDERS, alarm_mailbox_interval=3600,
    )
    return await start_bot(settings, clock=clock, graph_credential=FakeCredential())


async def read(bot) -> int:
    return await bot.client.app[INTAKE].mailbox.read()


def descriptions(bot) -> list[str]:
    return [state.description for state in bot.client.app[CRISES].all()]


async def test_mail_from_listed_senders_becomes_alarms_and_old_or_unlisted_mail_does_not(
    settings_for, start_bot, graph: FakeGraph, clock: Clock
) -> None:
    graph.add_mail(MAILBOX, sender="cert@cfcs.dk", subject="Gammel advarsel", received=at(clock, -60))
    bot = await start(settings_for, start_bot, graph, clock)
    graph.add_mail(MAILBOX, sender="Varsling@CFCS.dk", subject="Kritisk sårbarhed i VPN", received=at(clock, 1), name="CFCS")
    graph.add_mail(MAILBOX, sender="nyhedsbrev@example.com", subject="Tilbud", received=at(clock, 2))
    graph.add_mail(MAILBOX, sender="servicedesk@leverandor.dk", subject="Lønsystemet er nede", received=at(clock, 3))

    assert await read(bot) == 2
    crises = bot.client.app[CRISES].all()
    assert [c.source for c in crises] == ["cfcs", "leverandoerer"]
    assert crises[0].raised_by == "Alarmpostkasse (varsling@cfcs.dk)"
    assert crises[0].description.startswith("Kritisk sårbarhed i VPN\nFra: CFCS <Varsling@CFCS.dk>")
    assert "https://outlook.office365.com/owa/?ItemID=" in crises[0].description
    assert "Ukendt leverance" in crises[1].description
    pages = [r for r in graph.calls("mail_delta")]
    assert "$filter" in pages[0].query and "$skiptoken" in pages[1].query  # two pages of two in the first round

    graph.add_mail(MAILBOX, sender="cert@cfcs.dk", subject="Ny kampagne mod kommuner", received=at(clock, 10))
    assert await read(bot) == 1
    assert "$deltatoken" in graph.calls("mail_delta")[-1].query
    assert await read(bot) == 0
    assert len(bot.client.app[CRISES].all()) == 3


async def test_the_deliveries_a_mail_subject_names_are_the_alarms_deliveries_however_spelt(
    settings_for, start_bot, graph: FakeGraph, clock: Clock
) -> None:
    bot = await start(settings_for, start_bot, graph, clock)
    graph.add_mail(MAILBOX, sender="servicedesk@leverandor.dk", subject="Lonudbetaling og o365 er nede", received=at(clock, 1))

    assert await read(bot) == 1
    [crisis] = bot.client.app[CRISES].all()
    exported = logbog_markdown(bot.client.app[PLAN], await bot.store.events(crisis_id=crisis.id))
    assert "Alarm fra Leverandører af kritiske systemer; berørte leverancer: Lønudbetaling, O365" in exported
    assert "Ukendt leverance" not in exported


async def test_a_restart_in_the_middle_of_a_round_reads_nothing_twice(
    settings_for, start_bot, graph: FakeGraph, clock: Clock
) -> None:
    bot = await start(settings_for, start_bot, graph, clock)
    for minute in range(1, 6):
        graph.add_mail(MAILBOX, sender="cert@cfcs.dk", subject=f"Advarsel {minute}", received=at(clock, minute))
    graph.delay = 0.2
    reading = asyncio.create_task(read(bot))
    while "$skiptoken" not in (await bot.store.mailbox_cursor(mailbox=MAILBOX) or ""):
        await asyncio.sleep(0.01)
    reading.cancel()  # the service stops while page 2 is on its way
    with contextlib.suppress(asyncio.CancelledError):
        await reading
    assert len(bot.client.app[CRISES].all()) == 2
    await bot.client.close()

    graph.delay = 0
    again = await start(settings_for, start_bot, graph, clock)
    assert await read(again) == 3
    titles = sorted(d.split("\n")[0] for d in descriptions(again))
    assert titles == [f"Advarsel {n}" for n in range(1, 6)]


async def test_mail_that_arrives_before_the_first_round_is_read(
    settings_for, start_bot, graph: FakeGraph, clock: Clock
) -> None:
    bot = await start(settings_for, start_bot, graph, clock)
    graph.add_mail(MAILBOX, sender="cert@cfcs.dk", subject="Lige efter start", received=at(clock, 0))
    clock.now += timedelta(minutes=1)  # the first round runs one interval after start

    assert await read(bot) == 1
    assert [d.split("\n")[0] for d in descriptions(bot)] == ["Lige efter start"]


async def test_an_expired_delta_link_reads_again_from_start_without_raising_an_alarm_twice(
    settings_for, start_bot, graph: FakeGraph, clock: Clock
) -> None:
    bot = await start(settings_for, start_bot, graph, clock)
    graph.add_mail(MAILBOX, sender="cert@cfcs.dk", subject="Første", received=at(clock, 1))
    assert await read(bot) == 1
    graph.add_mail(MAILBOX, sender="cert@cfcs.dk", subject="Anden", received=at(clock, 2))
    graph.answer_next(410, body='{"error": {"code": "SyncStateNotFound", "message": "The sync state is expired."}}')

    assert await read(bot) == 2  # both listed mails handled again; the first one joins nothing new
    assert sorted(d.split("\n")[0] for d in descriptions(bot)) == ["Anden", "Første"]
    assert "$filter" in graph.calls("mail_delta")[-1].query
