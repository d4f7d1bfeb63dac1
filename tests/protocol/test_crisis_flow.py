"""A crisis from first alarm to exported logbog, entirely in Teams, as the people in the plan see it."""

import json
import re

import pytest

from bot.app import CRISES
from tests.fakes.connector import FakeConnector
from tests.protocol.crisis import Crisis, alarm, text_of, verbs
from tests.protocol.teams import (
    CLAUS,
    EVERYONE,
    HENRIK,
    JESPER,
    LISBETH,
    LOG_CHANNEL,
    in_channel,
    installed,
    personal,
    register,
    tap,
)
from tests.schemas import assert_valid_card


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
    thread_id = (await crisis.bot.store.thread(crisis_id=crisis_id)).conversation_id
    replies = connector.texts(thread_id)
    assert any("Claus Vagn Ohrt (Afdelingsleder for IT og Digitalisering): Vurdering: Underret kommunaldirektøren" in r for r in replies)
    assert any("Jesper Thyrring Møller (Kommunaldirektør): Beslutning: Aktivér kriseberedskab" in r for r in replies)
    assert all(re.match(r"\d\d:\d\d · ", reply) for reply in replies)
    root = connector.updates()[-1]
    situation = root["attachments"][0]["content"]
    assert_valid_card(situation)
    assert "Kommuneniveau" in text_of(situation) and "15 min" in text_of(situation)

    await crisis.says(JESPER, "afslut")
    await crisis.settled()
    assert any("er afsluttet" in t for t in connector.texts(JESPER.chat_id))
    await crisis.says(JESPER, f"eksport {crisis_id}")
    export = connector.texts(JESPER.chat_id)[-1]
    assert f"# Logbog for krise {crisis_id}" in export
    assert "Hele serverparken er nede" in export and "Kommer ikke" in export
    html_link = re.search(r"\[HTML\]\((http[^)]+)\)", export).group(1)
    path = html_link.split("/", 3)[3]
    downloaded = await crisis.bot.client.get("/" + path)
    assert downloaded.status == 200 and downloaded.content_type == "text/html"
    page = await downloaded.text()
    assert crisis_id in page and "Hele serverparken er nede" in page
    tampered = await crisis.bot.client.get("/" + path.replace(crisis_id, "K-2026-999"))
    assert tampered.status == 403


async def test_every_crisis_gets_its_own_id_and_status_shows_each(crisis: Crisis) -> None:
    first = await alarm(crisis)
    second = await alarm(crisis, description="Hjemmesiden er nede", deliveries="hjemmeside")

    assert first != second and first.startswith("K-") and second.startswith("K-")
    await crisis.says(JESPER, "status")
    shown = [text_of(card) for card in crisis.cards_of(JESPER)[-2:]]
    assert first in shown[0] and second in shown[1]


async def test_a_repeated_tap_and_a_redelivered_activity_act_once(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)
    decision = tap(CLAUS, crisis.connector.url, "triage_inform_director", crisis=crisis_id, assessment="Alvorligt")

    for _ in range(2):
        assert (await crisis.bot.post(decision)).status == 200
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Alvorligt")
    await crisis.settled()

    events = await crisis.bot.store.events(crisis_id=crisis_id)
    assert [e.payload.type for e in events].count("triaged") == 1
    assert sum("director_activate" in verbs(card) for card in crisis.cards_of(JESPER)) == 1


@pytest.mark.parametrize(
    ("verb", "data", "expected"),
    [
        pytest.param("triage_inform_director", {"crisis": "K-1999-999", "assessment": "x"}, "findes ikke", id="unknown crisis"),
        pytest.param("no_such_verb", {"crisis": "CRISIS"}, "ukendt", id="wrong verb"),
        pytest.param("triage_inform_director", {"crisis": "CRISIS"}, "Skriv en tekst", id="missing assessment"),
        pytest.param("director_activate", {"crisis": "CRISIS", "meeting_time": "klokken ni"}, "TT:MM", id="bad time"),
    ],
)
async def test_a_forged_or_stale_tap_changes_nothing(crisis: Crisis, verb: str, data: dict, expected: str) -> None:
    crisis_id = await alarm(crisis)
    before = await crisis.bot.store.events()
    data = {key: crisis_id if value == "CRISIS" else value for key, value in data.items()}

    response = await crisis.bot.post(tap(CLAUS, crisis.connector.url, verb, **data))

    assert response.status == 200
    body = json.dumps(await response.json(), ensure_ascii=False) + " ".join(crisis.connector.texts(CLAUS.chat_id))
    assert expected in body
    assert await crisis.bot.store.events() == before


async def test_a_tap_on_a_closed_crisis_changes_nothing(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)
    await crisis.says(JESPER, f"afslut {crisis_id}")
    await crisis.settled()
    before = await crisis.bot.store.events()

    card = await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="For sent")

    assert verbs(card) == set()
    assert "afsluttet" in crisis.connector.texts(CLAUS.chat_id)[-1]
    assert await crisis.bot.store.events() == before


async def test_an_action_submit_payload_is_handled_like_a_tap(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)
    submit = personal(CLAUS, crisis.connector.url, value={"verb": "acknowledge", "crisis": crisis_id})

    assert (await crisis.bot.post(submit)).status == 201
    await crisis.settled()

    page = crisis.bot.client.app[CRISES].get(crisis_id).page("cvo", "triage")
    assert page.acknowledged_at is not None and page.acknowledged_via == "teams"
    assert crisis_id in text_of(crisis.latest_card(CLAUS))


async def test_log_entries_from_the_chat(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)

    await crisis.says(HENRIK, "log Lønsystemets leverandør er ringet op")
    await crisis.says(HENRIK, "log")
    situation = await crisis.taps(HENRIK, "add_log_entry", crisis=crisis_id, kind="undladelse", text="Pressen orienteres ikke endnu")

    assert crisis.connector.texts(HENRIK.chat_id)[0] == f"Skrevet i logbogen for {crisis_id}."
    assert {"add_log_entry"} <= verbs(crisis.cards_of(HENRIK)[0])
    assert "Pressen orienteres ikke endnu" in text_of(situation)
    log = crisis.bot.client.app[CRISES].get(crisis_id).log
    assert [(line.kind, line.text, line.actor) for line in log] == [
        ("handling", "Lønsystemets leverandør er ringet op", "hjm"),
        ("undladelse", "Pressen orienteres ikke endnu", "hjm"),
    ]


async def test_only_the_kriseleder_may_close(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)

    await crisis.says(CLAUS, "afslut")

    assert "Det må kun Kriseleder (Jesper Thyrring Møller eller Emil B. Christensen)" in crisis.connector.texts(CLAUS.chat_id)[-1]
    assert crisis.bot.client.app[CRISES].get(crisis_id).phase == "triage"


async def test_a_page_to_someone_the_bot_cannot_reach_is_recorded_not_lost(bot, connector: FakeConnector) -> None:
    register(connector, CLAUS)
    assert (await bot.post(installed(CLAUS, connector.url))).status == 201
    crisis = Crisis(bot, connector)
    crisis_id = await alarm(crisis)
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Alvorligt")
    await crisis.settled()

    failed = [e.payload for e in await bot.store.events(crisis_id=crisis_id) if e.payload.type == "page_failed"]
    assert [(f.person, f.purpose) for f in failed] == [("jesper", "director")]
    assert "ikke skrevet til botten" in failed[0].reason


async def test_a_restart_resumes_every_crisis_from_the_logbog(settings_for, start_bot, connector: FakeConnector) -> None:
    settings = settings_for()
    register(connector, *EVERYONE)
    first = await start_bot(settings)
    for user in EVERYONE:
        await first.post(installed(user, connector.url))
    crisis_id = await alarm(Crisis(first, connector))
    await Crisis(first, connector).taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Alvorligt")
    await first.client.app[CRISES].drain()
    await first.client.close()

    second = Crisis(await start_bot(settings), connector)
    card = await second.taps(JESPER, "director_activate", crisis=crisis_id, meeting_time="10:00", note="")
    await second.settled()

    assert second.bot.client.app[CRISES].get(crisis_id).phase == "activated"
    assert verbs(card) == set()
    assert any("summons_coming" in verbs(c) for c in second.cards_of(HENRIK))


async def test_english_clients_get_english_cards_and_refusals(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)

    response = await crisis.bot.post(tap(HENRIK, crisis.connector.url, "close", crisis=crisis_id, locale="en-US"))

    assert (await response.json())["statusCode"] == 200
    assert crisis.connector.texts(HENRIK.chat_id)[-1].startswith("Only Kriseleder")


async def test_the_director_moves_the_meeting_and_everyone_summoned_is_told(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Alvorligt")
    await crisis.taps(JESPER, "director_activate", crisis=crisis_id, meeting_time="10:00", note="")
    await crisis.settled()
    summons = crisis.latest_card(JESPER)
    assert "meeting_alternative" in verbs(summons)
    assert "meeting_alternative" not in verbs(crisis.latest_card(HENRIK))

    moved = await crisis.taps(JESPER, "meeting_alternative", crisis=crisis_id, place="it-undervisningslokale")
    await crisis.settled()

    assert "Peter Bangsvej 13" in text_of(moved)
    for user in (JESPER, CLAUS, HENRIK, LISBETH):
        assert "Peter Bangsvej 13, 7600 Struer" in text_of(crisis.latest_card(user)), user.name


async def test_only_the_it_head_or_deputy_chooses_the_log_channel(crisis: Crisis, connector: FakeConnector) -> None:
    await crisis.bot.post(in_channel(HENRIK, connector.url, "logkanal"))
    crisis_id = await alarm(crisis)

    assert await crisis.bot.store.thread(crisis_id=crisis_id) is None
    assert connector.created() == []
    channel_replies = [a["text"] for a in connector.sent() if a.get("text") and "Det må kun" in a["text"]]
    assert channel_replies and "Ansvarlig for IT og Digitalisering" in channel_replies[0]


async def test_a_second_move_reaches_those_who_acknowledged_the_first(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Alvorligt")
    await crisis.taps(JESPER, "director_activate", crisis=crisis_id, meeting_time="10:00", note="")
    await crisis.settled()
    await crisis.taps(HENRIK, "summons_coming", crisis=crisis_id, eta="10 min")
    await crisis.taps(JESPER, "meeting_alternative", crisis=crisis_id, place="it-undervisningslokale")
    await crisis.settled()
    await crisis.taps(HENRIK, "acknowledge", crisis=crisis_id)
    cards_before = len(crisis.cards_of(HENRIK))

    await crisis.taps(JESPER, "meeting_alternative", crisis=crisis_id, place="byraadssalen")
    await crisis.settled()

    assert len(crisis.cards_of(HENRIK)) == cards_before + 1
    assert "Byrådssalen" in text_of(crisis.latest_card(HENRIK))
