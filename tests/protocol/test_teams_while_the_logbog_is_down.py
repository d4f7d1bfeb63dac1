"""Teams while the logbog is down: the PostgreSQL server stopped, or a SQLite file that takes no write (as on a full
disk). Help and the roles answer as always; a command or a card tap that needs the logbog is told that the logbog
cannot be reached, that nothing was done and what to do, and nothing is recorded; the Connector never gets a 500,
and nobody a traceback. Once the logbog is back, the same command works."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest

from bot.app import CRISES
from bot.database_url import postgres_url
from tests.fakes.connector import FakeConnector
from tests.postgres_server import PASSWORD
from tests.protocol.conftest import Krisebot
from tests.protocol.crisis import Crisis, alarm, installed_for, text_of
from tests.protocol.teams import CLAUS, JESPER, OUTSIDER, personal, tap
from tests.raw_sql import allow_writes, refuse_writes

DOWN = (
    "Logbogen kan ikke nås lige nu, så jeg har ikke gjort noget: intet er skrevet i logbogen, og ingen er kaldt. "
    "Prøv igen om et minut. Er det akut, så ring direkte til dem, det gælder: alarmer går til Claus Vagn Ohrt "
    "(Afdelingsleder for IT og Digitalisering) på 96 84 81 43, og «roller» viser kriseplanens telefonliste."
)


@dataclass
class Logbog:
    """A running Krisebot whose logbog the test takes away (``go_down``) and gives back (``come_back``); ``readable``:
    whether it can still be read meanwhile (a SQLite file that takes no write can)."""

    bot: Krisebot
    go_down: Callable[[], None]
    back: Callable[[], None]
    readable: bool
    failure: str
    """Words of the failure the log names."""

    async def come_back(self) -> None:
        """Give the logbog back, and let the crises look at it again (as ``Crises.follow`` does twice a second)."""
        self.back()
        await self.bot.client.app[CRISES].refresh()


@pytest.fixture(params=["sqlite", "postgresql"])
async def logbog(request: pytest.FixtureRequest, settings_for, start_bot) -> Logbog:
    if request.param == "sqlite":
        settings = settings_for()
        bot = await start_bot(settings)
        return Logbog(bot, partial(refuse_writes, settings.database), partial(allow_writes, settings.database), True, "disk full")
    server = request.getfixturevalue("own_postgres")
    bot = await start_bot(settings_for(database=postgres_url(server.url(server.create_database())).conninfo))
    return Logbog(bot, partial(server.stop, "fast"), server.start, False, "PostgreSQL-serveren svarer ikke")


async def answer(bot: Krisebot, connector: FakeConnector, user, text: str) -> list[str]:
    """What ``user`` is answered on writing ``text``: each text, and the first line of each card."""
    before = len(connector.sent(user.chat_id))
    assert (await bot.post(personal(user, connector.url, text=text))).status == 201
    return [
        activity.get("text") or activity["attachments"][0]["content"]["body"][0]["text"]
        for activity in connector.sent(user.chat_id)[before:]
    ]


async def test_help_and_the_roles_answer_while_the_logbog_is_down_and_status_says_why_it_cannot(
    logbog: Logbog, connector: FakeConnector
) -> None:
    bot = logbog.bot
    crisis_id = await alarm(await installed_for(bot, connector))

    logbog.go_down()
    answers = {text: await answer(bot, connector, JESPER, text) for text in ("hjælp", "roller", "status")}
    outsider = await answer(bot, connector, OUTSIDER, "hjælp")
    await logbog.come_back()
    status_after = await answer(bot, connector, JESPER, "status")

    plan = "Intern Service - Kritiske leverancer"
    assert answers["hjælp"] == outsider == [f"Krisebot – {plan}"]
    assert answers["roller"] == [f"Kriseplanens roller – {plan}"]
    # a logbog that only takes no write can still be read: status needs no write
    assert answers["status"] == (status_after if logbog.readable else [DOWN])
    assert crisis_id in status_after[0]


async def test_a_card_tap_while_the_logbog_is_down_is_answered_on_the_card_records_nothing_and_works_once_it_is_back(
    logbog: Logbog, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    bot = logbog.bot
    crisis = await installed_for(bot, connector)
    crisis_id = await alarm(crisis)
    recorded = [event.seq for event in await bot.store.events()]
    caplog.set_level(logging.INFO)
    caplog.clear()

    logbog.go_down()
    answer = await bot.post(tap(CLAUS, connector.url, "triage_inform_director", crisis=crisis_id, assessment="Alt er nede"))
    again = await bot.post(tap(CLAUS, connector.url, "triage_inform_director", crisis=crisis_id, assessment="Alt er nede"))
    await logbog.come_back()

    assert answer.status == again.status == 200
    for body in (await answer.json(), await again.json()):
        assert body == {
            "statusCode": 500, "type": "application/vnd.microsoft.error", "value": {"code": "InternalError", "message": DOWN}
        }
    assert [event.seq for event in await bot.store.events()] == recorded, "nothing recorded"
    assert bot.client.app[CRISES].get(crisis_id).phase == "triage"
    turns = [r for r in caplog.records if r.name.startswith(("bot.teams", "bot.engine.crises"))]
    errors = [r.getMessage() for r in turns if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and logbog.failure in errors[0], errors
    assert [r.getMessage() for r in turns if r.exc_info] == []
    assert PASSWORD not in caplog.text

    after = await Crisis(bot, connector).taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Alt er nede")
    assert "Alt er nede" in text_of(after)
    assert bot.client.app[CRISES].get(crisis_id).phase == "director"


async def test_a_crisis_others_keep_changing_is_answered_try_again_in_a_moment_not_that_the_logbog_is_down(
    settings_for, start_bot, connector: FakeConnector
) -> None:
    """Each time the tap was decided, another request had changed the crisis (here: no decision is let through); the
    logbog works, so the answer is to try again, and nothing is recorded."""
    bot = await start_bot(settings_for())
    crisis_id = await alarm(await installed_for(bot, connector))
    recorded = [event.seq for event in await bot.store.events()]
    bot.client.app[CRISES].decisions = 0

    answer = await bot.post(tap(CLAUS, connector.url, "triage_inform_director", crisis=crisis_id, assessment="Alt er nede"))

    assert (await answer.json())["value"]["message"] == (
        "Krisen ændres netop nu af andre henvendelser, så jeg har ikke gjort noget: intet er skrevet i logbogen. "
        "Prøv igen om et øjeblik."
    )
    assert [event.seq for event in await bot.store.events()] == recorded
