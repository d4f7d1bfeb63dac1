"""Talking to Krisebot in a Teams 1:1 chat: commands, who may see what, and the language."""

import json

from bot.plan import Plan, load_plan
from bot.resources import default_plan_path
from bot.teams.references import personal_chat_key
from tests.fakes.connector import FakeConnector
from tests.protocol.teams import CLAUS, JESPER, OUTSIDER, personal
from tests.schemas import assert_valid_card


async def test_help_lists_every_command_in_a_card(bot, connector: FakeConnector) -> None:
    response = await bot.post(personal(JESPER, connector.url, text="hjælp"))

    assert response.status == 201
    [card] = connector.cards(JESPER.chat_id)
    assert_valid_card(card)
    facts = {fact["title"]: fact["value"] for fact in card["body"][2]["facts"]}
    assert set(facts) == {"hjælp", "alarm", "status", "log", "roller", "eskalér", "afslut", "eksport", "logkanal"}
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
