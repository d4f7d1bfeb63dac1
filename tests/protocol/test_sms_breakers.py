"""When Teams counts as down: pages still waiting are re-sent by SMS at once, and new pages go by SMS at once.

The SMS grace is long here (5 minutes), so every SMS in these tests is there because of the
breaker, not because a page was late.
"""

import pytest

from bot.app import CRISES
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.graph import FakeGraph
from tests.protocol.crisis import Crisis
from tests.protocol.sms import Clock, Phones, clock, crisis, gateway, graph, later, sms_plan, voice  # noqa: F401 (fixtures)


@pytest.fixture
def more_settings() -> dict:
    return {"sms_grace": 300}


async def test_pages_waiting_when_teams_goes_down_are_re_sent_by_sms_and_new_pages_go_by_sms_at_once(
    crisis: Crisis, connector: FakeConnector, graph: FakeGraph, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    connector.down = graph.down = 503
    await phones.text("lak", "KRISE ALARM Lønkørslen fejler")
    await later(crisis, clock, 10, steps=5)
    [state] = crisis.bot.client.app[CRISES].active()
    opened = [e.payload for e in await crisis.bot.store.events(crisis_id=state.id)
              if e.payload.type == "breaker_changed" and e.payload.open]
    assert {e.dependency for e in opened} == {"connector", "graph"}
    [page] = phones.of("cvo")
    assert state.id in page.message and '"KRISE 1D"' in page.message, "re-sent by SMS, long before the grace"
    assert not page.userref.endswith("+fallback")

    await phones.text("cvo", "KRISE 1D")
    await later(crisis, clock, 1)
    [director] = phones.of("jesper")
    assert '"KRISE 1A" aktivér krisestaben' in director.message, "a new page goes by SMS at once while Teams is down"


async def test_a_page_card_answered_by_sms_during_the_outage_is_brought_up_to_date_when_teams_returns(
    crisis: Crisis, connector: FakeConnector, graph: FakeGraph, gateway: FakeGatewayApi, clock: Clock
) -> None:
    from tests.protocol.crisis import verbs
    from tests.protocol.teams import CLAUS

    phones = Phones(crisis, gateway)
    await phones.text("lak", "KRISE ALARM O365 er nede")
    await later(crisis, clock, 1)
    [state] = crisis.bot.client.app[CRISES].active()
    [card] = [c for c in crisis.cards_of(CLAUS) if "triage_inform_director" in verbs(c)]

    connector.down = graph.down = 503
    await phones.text("cvo", phones.code("cvo", "D"))
    await later(crisis, clock, 10, steps=5)
    assert crisis.bot.client.app[CRISES].get(state.id).phase.value == "director"
    assert not connector.updates(CLAUS.chat_id)

    connector.down = graph.down = None
    await later(crisis, clock, 60, steps=4)
    updated = [a for a in connector.updates(CLAUS.chat_id)]
    assert updated, "the triage card in Claus's chat was updated"
    content = updated[-1]["attachments"][0]["content"]
    assert "triage_inform_director" not in verbs(content), "its buttons are gone: the page was answered by SMS"
    assert card is not content
