"""A crisis as the people of the plan drive it from Teams, around one running Krisebot (test helpers)."""

import json
from datetime import datetime
from typing import Any

from bot.app import CRISES, PAGER
from tests.fakes.connector import FakeConnector
from tests.markdown import visible, walk
from tests.protocol.teams import CLAUS, EVERYONE, JESPER, installed, personal, register, tap
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


def facts_of(card: dict[str, Any]) -> dict[str, str]:
    """Every fact on the card as a reader sees it: title → value."""
    return {
        visible(fact["title"]): visible(fact["value"])
        for node in walk(card) if node.get("type") == "FactSet" for fact in node["facts"]
    }


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
        """Everything the last actions started is done: pages sent, log thread and cards updated."""
        app = self.bot.client.app
        await app[CRISES].drain()
        await app[PAGER].settle()
        await app[CRISES].drain()

    def cards_of(self, user) -> list[dict[str, Any]]:
        return self.connector.cards(user.chat_id)

    def latest_card(self, user) -> dict[str, Any]:
        cards = self.cards_of(user)
        assert cards, f"{user.name} has received no card"
        return cards[-1]


async def alarm(crisis: Crisis, user=CLAUS, **fields: Any) -> str:
    """Raise an alarm from the form as ``user``; the new crisis's id."""
    data = {"source": "brugere", "deliveries": "lonudbetaling", "description": "Lønkørslen fejler", **fields}
    await crisis.taps(user, "raise_alarm", **data)
    await crisis.settled()
    return crisis.bot.client.app[CRISES].active()[-1].id


async def activated(crisis: Crisis) -> str:
    """An alarm the IT head passed on and the kriseleder activated: every role's primary is summoned; its id."""
    crisis_id = await alarm(crisis)
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Lønnen går ikke ud")
    await crisis.settled()
    await crisis.taps(JESPER, "director_activate", crisis=crisis_id, meeting_time="09:30", note="")
    await crisis.settled()
    return crisis_id


async def at(crisis: Crisis, clock: Any, moment: datetime) -> None:
    """Move the test's ``clock`` to ``moment`` and wait until what fell due meanwhile has been done."""
    clock.now = moment
    await crisis.settled()


async def installed_for(bot: Any, connector: FakeConnector, users: Any = EVERYONE) -> Crisis:
    """A crisis room around ``bot`` in which ``users`` have installed the app (so their chats are known)."""
    register(connector, *EVERYONE)
    for user in users:
        assert (await bot.post(installed(user, connector.url))).status == 201
    return Crisis(bot, connector)
