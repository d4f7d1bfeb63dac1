"""Talking to Krisebot in a Teams 1:1 chat: commands, who may see what, the language, and replies
that cannot be sent (no token from Entra, the Connector down): the Connector never gets a 500."""

import asyncio
import json
from collections.abc import Iterator

import pytest

from bot.plan import Plan, load_plan
from bot.resources import default_plan_path
from bot.teams.references import personal_chat_key
from tests.fakes.connector import FakeConnector
from tests.fakes.openid import SIGN_IN_PATH, FakeTokenIssuer
from tests.protocol.crisis import Crisis, alarm
from tests.protocol.secured import APP_ID, bearer, eventually, secured, sign_in_through
from tests.protocol.teams import CLAUS, EVERYONE, HENRIK, JESPER, OUTSIDER, installed, personal, register, tap
from tests.schemas import assert_valid_card


async def test_help_lists_every_command_in_a_card(bot, connector: FakeConnector) -> None:
    response = await bot.post(personal(JESPER, connector.url, text="hjælp"))

    assert response.status == 201
    [card] = connector.cards(JESPER.chat_id)
    assert_valid_card(card)
    facts = {fact["title"]: fact["value"] for fact in card["body"][2]["facts"]}
    assert set(facts) == {
        "hjælp", "alarm", "status", "log", "roller", "eskalér", "afslut", "kontakt", "ekstern", "ankommet", "eksport", "logkanal",
    }
    assert "roller" in facts["roller"].lower()


async def test_help_works_for_people_outside_the_plan(bot, connector: FakeConnector) -> None:
    await bot.post(personal(OUTSIDER, connector.url, text="Help"))

    [card] = connector.cards(OUTSIDER.chat_id)
    assert card["body"][0]["text"].startswith("Krisebot")


async def test_roles_card_shows_holders_deputies_and_numbers(bot, connector: FakeConnector) -> None:
    await bot.post(personal(CLAUS, connector.url, text="roller"))

    [card] = connector.cards(CLAUS.chat_id)
    assert_valid_card(card)
    text = json.dumps(card, ensure_ascii=False)
    for expected in (
        "Kriseleder", "Jesper Thyrring Møller", "Stedfortræder 1", "Emil B. Christensen",
        "[29 25 65 11](tel:+4529256511) (mobil)", "Ansvarlig for økonomi", "Henrik Jebjerg Mogensen",
        "kan ikke modtage sms", "Byrådssalen", "Peter Bangsvej 13, 7600 Struer",
        "Indsatsleder fra politiet", "(tel:114)",
    ):
        assert expected in text


async def test_people_outside_the_plan_do_not_see_the_roster(bot, connector: FakeConnector) -> None:
    await bot.post(personal(OUTSIDER, connector.url, text="roller"))

    assert connector.cards(OUTSIDER.chat_id) == []
    [reply] = connector.texts(OUTSIDER.chat_id)
    assert "Du står ikke i kriseplanen" in reply
    assert "Claus Vagn Ohrt" in reply


async def test_a_person_is_recognised_by_upn_once_and_then_from_the_store(bot, connector: FakeConnector) -> None:
    await bot.post(personal(CLAUS, connector.url, text="status"))
    await bot.post(personal(CLAUS, connector.url, text="status"))

    assert connector.texts(CLAUS.chat_id) == ["Der er ingen aktiv krise."] * 2
    lookups = [r for r in connector.requests if r.operation == "get_conversation_member"]
    assert len(lookups) == 1
    link = await bot.store.teams_user(teams_user_id=CLAUS.id)
    assert link is not None and link.person_id == "cvo"
    assert "cvo" in await bot.store.linked_person_ids()


async def test_unknown_text_gets_a_short_danish_hint(bot, connector: FakeConnector) -> None:
    await bot.post(personal(JESPER, connector.url, text="hvad sker der?"))

    assert connector.texts(JESPER.chat_id) == ["Det forstod jeg ikke. Skriv **hjælp** for at se, hvad jeg kan."]


async def test_english_client_gets_english_replies(bot, connector: FakeConnector) -> None:
    await bot.post(personal(JESPER, connector.url, text="help", locale="en-US"))
    await bot.post(personal(JESPER, connector.url, text="nonsense", locale="en-GB"))

    [card] = connector.cards(JESPER.chat_id)
    assert card["body"][1]["text"].startswith("I run the crisis plan")
    assert {fact["title"] for fact in card["body"][2]["facts"]} >= {"help", "roles", "status", "close", "export"}
    assert connector.texts(JESPER.chat_id) == ["I did not understand that. Type **help** to see what I can do."]


async def test_the_personal_chat_is_remembered_for_paging_later(bot, connector: FakeConnector) -> None:
    await bot.post(personal(JESPER, connector.url, type="conversationUpdate", membersAdded=[{"id": JESPER.id}]))

    reference = await bot.store.conversation_reference(key=personal_chat_key(JESPER.id))
    assert reference is not None
    assert reference["conversation"]["id"] == JESPER.chat_id
    assert reference["serviceUrl"] == connector.url
    assert connector.sent() == []


async def test_mention_in_front_of_a_command_is_ignored(bot, connector: FakeConnector) -> None:
    mention = {"type": "mention", "text": "<at>Krisebot</at>", "mentioned": {"id": "28:krisebot", "name": "Krisebot"}}
    await bot.post(personal(JESPER, connector.url, text="<at>Krisebot</at> status", entities=[mention]))

    assert connector.texts(JESPER.chat_id) == ["Der er ingen aktiv krise."]


async def test_a_restart_keeps_who_is_who_and_where_they_chat(settings_for, start_bot, connector: FakeConnector) -> None:
    settings = settings_for()
    first = await start_bot(settings)
    await first.post(personal(CLAUS, connector.url, text="status"))
    await first.client.close()

    second = await start_bot(settings)
    await second.post(personal(CLAUS, connector.url, text="roller"))

    assert len(connector.cards(CLAUS.chat_id)) == 1
    assert len([r for r in connector.requests if r.operation == "get_conversation_member"]) == 1
    assert await second.store.conversation_reference(key=personal_chat_key(CLAUS.id)) is not None


async def test_a_person_with_an_entra_object_id_in_the_plan_needs_no_member_lookup(
    settings_for, start_bot, connector: FakeConnector
) -> None:
    data = load_plan(default_plan_path()).model_dump(mode="json")
    next(p for p in data["people"] if p["id"] == "jesper")["entra_object_id"] = JESPER.aad_object_id
    bot = await start_bot(settings_for(), Plan.model_validate(data))

    await bot.post(personal(JESPER, connector.url, text="status"))

    assert connector.texts(JESPER.chat_id) == ["Der er ingen aktiv krise."]
    assert [r for r in connector.requests if r.operation == "get_conversation_member"] == []
    assert (await bot.store.teams_user(teams_user_id=JESPER.id)).person_id == "jesper"


# -- replies that cannot be sent ------------------------------------------------------------


@pytest.fixture
def issuer() -> Iterator[FakeTokenIssuer]:
    with FakeTokenIssuer() as fake:
        yield fake


@pytest.fixture
async def secured_bot(settings_for, start_bot, issuer: FakeTokenIssuer, monkeypatch):
    """Krisebot with authentication on, getting its own token for replies from ``issuer``."""
    sign_in_through(issuer, monkeypatch)
    return await start_bot(secured(settings_for, issuer, bot_app_password="not-a-real-secret"))


def from_teams(issuer: FakeTokenIssuer, connector: FakeConnector) -> dict[str, str]:
    return bearer(issuer.token(audience=APP_ID, service_url=connector.url))


def tracebacks(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.exc_info]


async def test_with_authentication_on_replies_carry_the_bots_token_fetched_once(
    secured_bot, connector: FakeConnector, issuer: FakeTokenIssuer
) -> None:
    for text in ("hjælp", "hvad?", "roller"):
        assert (await secured_bot.post(personal(JESPER, connector.url, text=text), headers=from_teams(issuer, connector))).status == 201

    replies = [r for r in connector.requests if r.operation == "reply_to_activity"]
    assert len(replies) == 3 and {r.authorization for r in replies} == {"Bearer bot-token-1"}
    assert len(issuer.sign_ins) == 1


async def test_a_slow_sign_in_holds_up_only_the_reply_that_waits_for_it(
    secured_bot, connector: FakeConnector, issuer: FakeTokenIssuer
) -> None:
    release = issuer.hold(SIGN_IN_PATH)

    answer = asyncio.create_task(secured_bot.post(personal(JESPER, connector.url, text="hjælp"), headers=from_teams(issuer, connector)))
    await eventually(lambda: issuer.held == 1)
    health = await secured_bot.client.get("/healthz")
    sign_in_still_held = issuer.held
    release.set()

    assert health.status == 200 and sign_in_still_held == 1
    assert (await answer).status == 201
    assert len(connector.cards(JESPER.chat_id)) == 1


async def test_with_entra_down_messages_are_answered_without_500_and_the_failure_is_logged_once(
    secured_bot, connector: FakeConnector, issuer: FakeTokenIssuer, caplog
) -> None:
    issuer.sign_in_status = 503

    answers = [
        await secured_bot.post(personal(JESPER, connector.url, text=text), headers=from_teams(issuer, connector))
        for text in ("hjælp", "status")
    ]

    assert [answer.status for answer in answers] == [201, 201]
    assert connector.sent() == []
    assert len(issuer.sign_ins) == 1  # the failed sign-in is remembered, not repeated for the next message
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "adgangstoken" in r.getMessage()]
    assert warnings and "kunne ikke hente adgangstoken til Bot Framework (PermissionError)" in warnings[0]
    assert tracebacks(caplog) == []


async def test_when_the_reply_and_the_apology_both_fail_the_connector_still_gets_an_answer(
    bot, connector: FakeConnector, caplog
) -> None:
    connector.down = 503

    response = await bot.post(personal(JESPER, connector.url, text="hjælp"))

    assert response.status == 201
    logged = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("reply could not be sent" in line for line in logged)
    assert any("apology for a failed turn could not be sent either" in line for line in logged)
    assert tracebacks(caplog) == []


async def test_a_card_tap_whose_turn_fails_gets_the_apology_on_the_card(bot, connector: FakeConnector) -> None:
    crisis = Crisis(bot, connector)
    register(connector, *EVERYONE)
    for user in EVERYONE:
        await bot.post(installed(user, connector.url))
    crisis_id = await alarm(crisis)
    connector.down = 503  # the refusal the tap sends as a message cannot be delivered

    response = await bot.post(tap(HENRIK, connector.url, "director_activate", crisis=crisis_id, meeting_time="09:30"))

    assert response.status == 200
    answer = await response.json()
    assert answer["type"] == "application/vnd.microsoft.error"
    assert answer["value"]["message"].startswith("Der skete en fejl hos mig")


@pytest.mark.parametrize("text", ["hjælp", "hej"])
async def test_any_message_in_the_personal_chat_makes_a_plan_person_pageable(
    bot, connector: FakeConnector, text: str
) -> None:
    register(connector, CLAUS)
    await bot.post(personal(CLAUS, connector.url, text=text))  # help, or text the bot does not understand
    assert [link.person_id for link in await bot.store.teams_users_of(person_id="cvo")] == ["cvo"]

    crisis = Crisis(bot, connector)
    crisis_id = await alarm(crisis, user=JESPER)
    cards = [card for card in connector.cards(CLAUS.chat_id) if crisis_id in json.dumps(card, ensure_ascii=False)]
    assert cards, "the triage page reached the IT head's chat"
