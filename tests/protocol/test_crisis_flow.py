"""A crisis from first alarm to exported logbog, entirely in Teams, as the people in the plan see it."""

import json
from typing import Any

import pytest

from bot.app import CRISES
from tests.fakes.connector import FakeConnector
from tests.protocol.teams import (
    CLAUS, EVERYONE, HENRIK, JESPER, LISBETH, LOG_CHANNEL, installed, in_channel, personal, register, tap,
)
from tests.schemas import assert_valid_card


def verbs(card: dict[str, Any]) -> set[str]:
    """Every Action.Execute verb on the card, also inside Action.ShowCard."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.add(node["verb"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def text_of(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


class Crisis:
    """The people of the plan, their chats and the log channel, around one running Krisebot."""

    def __init__(self, bot, connector: FakeConnector) -> None:
        self.bot = bot
        self.connector = connector

    async def says(self, user, text: str) -> None:
        assert (await self.bot.post(personal(user, self.connector.url, text=text))).status == 201

    async def taps(self, user, verb: str, **data: Any) -> dict[str, Any]:
        response = await self.bot.post(tap(user, self.connector.url, verb, **data))
        assert response.status == 200
        body = await response.json()
        assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", body
        assert_valid_card(body["value"])
        return body["value"]

    async def settled(self) -> None:
        await self.bot.client.app[CRISES].drain()

    def cards_of(self, user) -> list[dict[str, Any]]:
        return self.connector.cards(user.chat_id)

    def latest_card(self, user) -> dict[str, Any]:
        cards = self.cards_of(user)
        assert cards, f"{user.name} has received no card"
        return cards[-1]


@pytest.fixture
async def crisis(bot, connector: FakeConnector) -> Crisis:
    register(connector, *EVERYONE)
    for user in EVERYONE:
        assert (await bot.post(installed(user, connector.url))).status == 201
    return Crisis(bot, connector)


async def test_the_whole_alarm_chain_runs_in_teams(crisis: Crisis, connector: FakeConnector) -> None:
    assert (await crisis.bot.post(in_channel(CLAUS, connector.url, "logkanal"))).status == 201
    await crisis.says(CLAUS, "alarm")
    form = crisis.latest_card(CLAUS)
    assert {"raise_alarm"} == verbs(form)

    sent = await crisis.taps(
        CLAUS, "raise_alarm", source="overvaagning", deliveries="it-infrastruktur,o365",
        description="Servere i rådhuset svarer ikke", phone="29 25 65 11",
    )
    assert "K-2026-001" in text_of(sent) or "K-" in text_of(sent)
    await crisis.settled()
    triage = crisis.latest_card(CLAUS)
    crisis_id = crisis.bot.client.app[CRISES].active()[0].id
    assert crisis_id in text_of(triage)
    assert {"acknowledge", "triage_inform_director", "triage_not_critical"} <= verbs(triage)

    after = await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Hele serverparken er nede")
    assert verbs(after) == set()
    assert "Hele serverparken er nede" in text_of(after)
    await crisis.settled()
    director = crisis.latest_card(JESPER)
    assert {"director_activate", "director_inform", "director_no_action"} <= verbs(director)

    refused_before = len(connector.texts(HENRIK.chat_id))
    await crisis.taps(HENRIK, "director_activate", crisis=crisis_id, meeting_time="09:30", note="")
    assert "Det må kun" in connector.texts(HENRIK.chat_id)[refused_before]
    assert crisis.bot.client.app[CRISES].get(crisis_id).phase == "director"

    await crisis.taps(JESPER, "director_activate", crisis=crisis_id, meeting_time="09:30", note="Alle møder op")
    await crisis.settled()
    claus_summons = crisis.latest_card(CLAUS)
    assert "Byrådssalen" in text_of(claus_summons) and "09:30" in text_of(claus_summons)
    assert {"summons_coming", "summons_not_coming"} <= verbs(claus_summons)
    summoned = [u for u in EVERYONE if any("summons_coming" in verbs(c) for c in crisis.cards_of(u))]
    assert set(summoned) == {JESPER, CLAUS, HENRIK, LISBETH}
    assert sum("summons_coming" in verbs(c) for c in crisis.cards_of(CLAUS)) == 1

    await crisis.taps(CLAUS, "summons_coming", crisis=crisis_id, eta="15 min")
    await crisis.taps(LISBETH, "summons_not_coming", crisis=crisis_id)
    await crisis.taps(JESPER, "level_change", crisis=crisis_id, level="kommune")
    await crisis.settled()

    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert state.level == "kommune" and state.answers["cvo"].coming and not state.answers["lak"].coming

    thread = [c for c in connector.created() if c.get("channelData", {}).get("channel", {}).get("id") == LOG_CHANNEL]
    assert len(thread) == 1
    root = connector.updates()[-1]
    situation = root["attachments"][0]["content"]
    assert_valid_card(situation)
    assert "Kommuneniveau" in text_of(situation) and "15 min" in text_of(situation)

    await crisis.says(JESPER, "afslut")
    await crisis.settled()
    assert any("er afsluttet" in t for t in connector.texts(JESPER.chat_id))
    await crisis.says(JESPER, f"eksport {crisis_id}")
    export = connector.texts(JESPER.chat_id)[-1]
    assert export.startswith(f"# Logbog for krise {crisis_id}")
    assert "Hele serverparken er nede" in export and "Kommer ikke" in export
