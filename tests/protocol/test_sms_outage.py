"""Office 365 is down: a whole crisis by SMS alone, and the Teams log thread catching up afterwards.

The real app with a fake Bot Connector and a fake Graph that both answer 503, and a fake
GatewayAPI that takes the SMS and signs the replies. Time is moved by hand.
"""

from bot.app import CRISES
from bot.render.log_thread import thread_posts
from bot.teams.outlet import LATE
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.graph import FakeGraph
from tests.protocol.crisis import Crisis
from tests.protocol.sms import Clock, Phones, clock, crisis, gateway, graph, later, more_settings, sms_plan, voice  # noqa: F401 (fixtures)

async def test_a_whole_crisis_by_sms_while_office_365_is_down_then_teams_catches_up(
    crisis: Crisis, connector: FakeConnector, graph: FakeGraph, gateway: FakeGatewayApi, clock: Clock
) -> None:
    app = crisis.bot.client.app
    phones = Phones(crisis, gateway)
    connector.down = graph.down = 503

    await phones.text("lak", "KRISE ALARM O365 er nede, ingen kan logge på")
    await later(crisis, clock, 1)
    [state] = app[CRISES].active()
    assert state.deliveries == ("o365",)
    assert any("modtaget" in sms.message for sms in phones.of("lak"))
    assert phones.of("cvo"), "an O365 alarm goes by SMS at once"

    await later(crisis, clock, 30, steps=6)
    down = {(e.payload.dependency, e.payload.open) for e in await crisis.bot.store.events(crisis_id=state.id)
            if e.payload.type == "breaker_changed"}
    assert down == {("connector", True), ("graph", True)}, "Teams and Graph failed often enough to count as down"
    assert len(phones.of("cvo")) == 1, "the IT head got the alarm by SMS once, not again when Teams was counted down"

    await phones.text("cvo", phones.code("cvo", "D"))
    await later(crisis, clock, 1)
    assert app[CRISES].get(state.id).phase.value == "director"
    await phones.text("jesper", phones.code("jesper", "A"))
    await later(crisis, clock, 1)
    assert app[CRISES].get(state.id).phase.value == "activated"
    plan = app[CRISES].plan
    summoned = {role.primary for role in plan.roles if plan.person_by_id[role.primary].mobile}
    assert all(any("indkaldes" in s.message for s in phones.of(p)) for p in summoned)

    silent = plan.role_by_id["okonomi"].primary
    for person in summoned - {silent}:
        await phones.text(person, phones.code(person, "K"))
    await later(crisis, clock, 1)
    timeout, repeat = plan.ack_timeout(plan.role_by_id["okonomi"]), plan.repeat(plan.role_by_id["okonomi"])
    await later(crisis, clock, timeout.total_seconds() * (repeat + 1), steps=repeat + 2)
    deputy = plan.role_by_id["okonomi"].deputies[0]
    assert [s for s in phones.of(deputy) if "indkaldes" in s.message], "the deputy is summoned by SMS"

    await phones.text("jesper", phones.code("jesper", "L"))
    await later(crisis, clock, 1)
    assert not app[CRISES].get(state.id).phase.open

    thread = await crisis.bot.store.thread(crisis_id=state.id)
    assert thread is None, "nothing reached the log channel while Teams was down"

    connector.down = graph.down = None
    await later(crisis, clock, 60, steps=4)

    thread = await crisis.bot.store.thread(crisis_id=state.id)
    assert thread is not None
    events = await crisis.bot.store.events(crisis_id=state.id)
    posts = [text for text in connector.texts(thread.conversation_id)]
    assert posts == [post.text + LATE for post in thread_posts(plan, events)], "every post once, none lost or doubled"
    assert len(events) > 3 * len(posts), "the deliveries are summed up per wave"
    stamps = [post.split(" · ")[0] for post in posts]
    assert stamps == sorted(stamps)
    assert any("Beslutning: Aktivér kriseberedskab" in post for post in posts), "the SMS's action is posted"
    assert not any("Sms fra" in post for post in posts), "the SMS that carried it is in its post"
    situation = connector.updates(thread.conversation_id)
    assert situation and "afsluttet" in str(situation[-1]).lower()
