"""A crisis from first alarm to exported logbog, entirely in Teams, as the people in the plan see it."""

import html
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from bot.app import CRISES
from bot.core.events import AlarmRaised
from bot.store import open_store
from tests.fakes.connector import ADAPTIVE_CARD, FakeConnector
from tests.markdown import EVIL, EVIL_LINE, links, shown_texts, visible
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
    [crisis_id] = [state.id for state in crisis.bot.client.app[CRISES].active()]
    assert re.fullmatch(r"K-\d{4}-001", crisis_id), "the year's first crisis"
    assert [block["text"] for block in sent["body"]] == [
        f"Alarm {crisis_id} er sendt", "Claus Vagn Ohrt vurderer nu alarmen. Du kan følge krisen med «status»."
    ]
    await crisis.settled()
    triage = crisis.latest_card(CLAUS)
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
    assert "Kommuneniveau" in text_of(situation) and "**Claus Vagn Ohrt** – ankomst ca. " in text_of(situation)
    assert "Kommer ikke (1)" in text_of(situation) and "**Lisbeth Kusk** – svar kl. " in text_of(situation)

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


async def test_what_people_write_shows_as_written_in_every_card_the_log_channel_and_the_export(
    crisis: Crisis, connector: FakeConnector
) -> None:
    assert (await crisis.bot.post(in_channel(CLAUS, connector.url, "logkanal"))).status == 201
    await crisis.taps(CLAUS, "raise_alarm", source="brugere", deliveries="o365", description=EVIL, phone="<i>40</i> 40 80 07")
    await crisis.settled()
    [crisis_id] = [state.id for state in crisis.bot.client.app[CRISES].active()]
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment=EVIL)
    await crisis.says(CLAUS, f"log {crisis_id} {EVIL_LINE}")
    await crisis.settled()

    thread = (await crisis.bot.store.thread(crisis_id=crisis_id)).conversation_id
    cards = [*connector.cards(), *(a["content"] for u in connector.updates() for a in u.get("attachments") or [])]
    assert len([c for c in cards if any(EVIL in visible(t) for t in shown_texts(c))]) >= 4, "pages and situation cards"
    for card in cards:
        assert not [t for t in shown_texts(card) if links(t)], f"a link on a card: {shown_texts(card)}"
    situation = [a["content"] for a in connector.updates(thread)[-1]["attachments"]][0]
    words = "\n".join(visible(t) for t in shown_texts(situation))
    assert words.count(EVIL) == 2 and EVIL_LINE in words and "<i>40</i> 40 80 07" in words

    posts = connector.texts(thread)
    assert not [post for post in posts if links(post)], "a link in the log channel"
    assert sum(EVIL in visible(post) for post in posts) == 2 and any(EVIL_LINE in visible(post) for post in posts)

    await crisis.says(JESPER, f"eksport {crisis_id}")
    export = connector.texts(JESPER.chat_id)[-1]
    html_link, md_link, pdf_link = links(export)
    assert visible(export).count(EVIL) == 7, "the summary; the alarm and the assessment in the timeline, log and appendix"
    page = await (await crisis.bot.client.get("/" + html_link.split("/", 3)[3])).text()
    assert "<a " not in page and "<b>" not in page and html.unescape(page).count(EVIL) == 7
    assert "Logbogen er komplet" in visible(export) and "Logbogen er komplet" in page, "the store was asked"


async def test_every_crisis_gets_its_own_id_and_status_shows_each(crisis: Crisis) -> None:
    first = await alarm(crisis)
    second = await alarm(crisis, description="Hjemmesiden er nede", deliveries="hjemmeside")

    assert first != second and first.startswith("K-") and second.startswith("K-")
    answer = await status_answer(crisis, JESPER)
    assert [card["content"]["body"][0]["text"] for card in answer["attachments"]] == [second, first]
    assert "text" not in answer, "no crisis left to name"


async def test_status_with_a_hundred_open_crises_is_one_answer_with_the_newest_three(
    settings_for, start_bot, connector: FakeConnector
) -> None:
    settings = settings_for()
    store = await open_store(settings.database)
    opened = datetime.now(timezone.utc) - timedelta(hours=2)
    for n in range(1, 101):
        alarm = AlarmRaised(source="brugere", deliveries=["lonudbetaling"], description=f"Fejl nummer {n}")
        await store.append_all(at=opened + timedelta(minutes=n), actor="cvo", payloads=[alarm], crisis_id=f"K-2026-{n:03}")
    await store.close()
    crisis = Crisis(await start_bot(settings), connector)
    assert (await crisis.bot.post(installed(JESPER, connector.url))).status == 201

    answer = await status_answer(crisis, JESPER)

    assert answer["attachmentLayout"] == "list"
    cards = [attachment["content"] for attachment in answer["attachments"]]
    assert [card["body"][0]["text"] for card in cards] == ["K-2026-100", "K-2026-099", "K-2026-098"]
    assert "Fejl nummer 100" in text_of(cards[0])
    named = ", ".join(f"K-2026-{n:03}" for n in range(97, 77, -1))
    assert answer["text"] == f"… og 97 andre aktive kriser: {named} og 77 flere."


async def status_answer(crisis: Crisis, user) -> dict:
    """The one message the bot answers ``status`` with in ``user``'s chat."""
    before = len(crisis.connector.sent(user.chat_id))
    await crisis.says(user, "status")
    [answer] = crisis.connector.sent(user.chat_id)[before:]
    return answer


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

    assert "Peter Bangsvej 13" in text_of(moved), "the director's own card shows it"
    assert crisis.latest_card(JESPER) == summons, "and he is not paged about his own decision"
    for user in (CLAUS, HENRIK, LISBETH):
        assert "Peter Bangsvej 13, 7600 Struer" in text_of(crisis.latest_card(user)), user.name


async def test_a_moved_meeting_is_named_in_the_new_summons_title_and_the_earlier_cards_say_so_in_place(
    crisis: Crisis, connector: FakeConnector
) -> None:
    crisis_id = await alarm(crisis)
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Alvorligt")
    await crisis.taps(JESPER, "director_activate", crisis=crisis_id, meeting_time="10:00", note="")
    await crisis.settled()
    assert "Byrådssalen" in text_of(crisis.latest_card(CLAUS))

    await crisis.taps(JESPER, "meeting_alternative", crisis=crisis_id, place="it-undervisningslokale")
    await crisis.settled()

    moved = crisis.latest_card(CLAUS)
    assert shown_texts(moved)[1] == "Mødestedet er flyttet til IT-undervisningslokale, Peter Bangsvej 13, 7600 Struer"
    for user in (CLAUS, HENRIK, LISBETH, JESPER):
        summonses = [card for card in _cards_now(connector, user) if "summons_coming" in verbs(card)]
        assert summonses, user.name
        for card in summonses:
            assert "Peter Bangsvej 13" in text_of(card) and "Byrådssalen" not in text_of(card), user.name


def _cards_now(connector: FakeConnector, user) -> list[dict]:
    """The cards in ``user``'s chat as they show now (updates applied)."""
    return [
        attachment["content"] for activity in connector.transcript(user.chat_id)
        for attachment in activity.get("attachments") or [] if attachment.get("contentType") == ADAPTIVE_CARD
    ]


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
