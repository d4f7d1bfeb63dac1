"""The log thread is for people: one post per event people did or must know, and one summary post per alarmering
wave, edited in place as its deliveries complete; no post names a message, SMS or call id.

A crisis on the bundled plan as it ships, played from Teams, by SMS and by calls: the real app, a fake Bot
Connector (the log channel chosen), a fake GatewayAPI, a fake Twilio whose calls ring until a test ends them, and a
clock moved by hand.
"""

import json

import pytest

from bot.app import CRISES, SETTINGS
from bot.plan import Plan
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.markdown import visible
from tests.protocol.crisis import Crisis
from tests.fakes.twilio import ACCOUNT_SID
from tests.protocol.sms import CALLER_ID, PUBLIC_URL, Clock, Phones, clock, gateway, later, shipped_plan, voice  # noqa: F401
from tests.protocol.teams import CLAUS, EVERYONE, HENRIK, JESPER, LISBETH, in_channel, installed, register

NOT_IN_TEAMS = (HENRIK, LISBETH)
"""They never wrote to the bot: their pages go by call, then SMS (Henrik has no mobile in the plan)."""


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, gateway: FakeGatewayApi, voice: FakeTwilioVoice,
                 clock: Clock) -> Crisis:
    """The bundled plan as shipped; SMS on the fake GatewayAPI, calls on the fake Twilio; no Graph."""
    settings = settings_for(
        sms_provider="gatewayapi", gatewayapi_base_url=gateway.url.rstrip("/"), gatewayapi_token=gateway.token,
        gatewayapi_webhook_secret=gateway.webhook_secret, sms_reply_keyword="KRISE", sms_reply_number="1204",
        voice_provider="twilio", voice_caller_id=CALLER_ID, twilio_base_url=voice.url, twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=voice.auth_token, public_url=PUBLIC_URL,
    )
    bot = await start_bot(settings, shipped_plan(), clock=clock)
    voice.serve(PUBLIC_URL, at=str(bot.client.make_url("/")))
    register(connector, *EVERYONE)
    for user in EVERYONE:
        if user not in NOT_IN_TEAMS:
            assert (await bot.post(installed(user, connector.url))).status == 201
    assert (await bot.post(in_channel(CLAUS, connector.url, "logkanal"))).status == 201
    return Crisis(bot, connector)


async def thread_of(crisis: Crisis, crisis_id: str) -> tuple[str, list[str]]:
    """The thread's conversation, and its posts as a reader sees them now (edits applied; the situation card left out)."""
    thread = await crisis.bot.store.thread(crisis_id=crisis_id)
    assert thread is not None
    posts = crisis.connector.transcript(thread.conversation_id)
    return thread.conversation_id, [visible(post["text"]) for post in posts if post.get("text")]


async def activated(crisis: Crisis, clock: Clock) -> str:
    """Claus raises the alarm and passes it on, Jesper activates: every role's primary is summoned. Its id."""
    await crisis.taps(CLAUS, "raise_alarm", source="brugere", deliveries="lonudbetaling", description="Lønkørslen fejler")
    await later(crisis, clock, 1)
    crisis_id = crisis.bot.client.app[CRISES].active()[-1].id
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Lønnen går ikke ud")
    await later(crisis, clock, 1)
    await crisis.taps(JESPER, "director_activate", crisis=crisis_id, meeting_time="09:30", note="")
    await later(crisis, clock, 1)
    return crisis_id


async def played(crisis: Crisis, phones: Phones, voice: FakeTwilioVoice, clock: Clock) -> str:
    """An activated crisis in which nobody answers the calls, Lisbeth gets an SMS (delivered), and the summons
    escalates to the deputies. Its id."""
    crisis_id = await activated(crisis, clock)
    await voice.ring_out()
    await later(crisis, clock, 1)
    for sms in list(phones.gateway.sent):
        assert (await phones.gateway.post_event(phones.url, phones.gateway.report_claims(sms))).status == 200
    await later(crisis, clock, 600, 10)
    return crisis_id


CLAUS_ = "Claus Vagn Ohrt (Afdelingsleder for IT og Digitalisering)"
JESPER_ = "Jesper Thyrring Møller (Kommunaldirektør)"
HENRIK = "Henrik Jebjerg Mogensen"
HENRIK_UNREACHABLE = (
    f"1 kan ikke nås: {HENRIK} – Teams: personen har endnu ikke skrevet til botten i Teams, sms: planen har intet "
    "mobilnummer til personen, opkald: ikke taget"
)
THREAD = [
    f"08:00 · {CLAUS_}: Alarm fra Brugere af kritiske systemer; berørte leverancer: Lønudbetaling; anmelder: Claus Vagn "
    "Ohrt – «Lønkørslen fejler»",
    "08:00 · Vurdering af alarmen til 1 person: 1 nået (Teams)",
    f"08:00 · {CLAUS_}: Kvitteret af Claus Vagn Ohrt for ansvarlig for IT og Digitalisering via Teams",
    f"08:00 · {CLAUS_}: Vurdering: Underret kommunaldirektøren – «Lønnen går ikke ud»",
    "08:00 · Anmodning om beslutning om kriseberedskab til 1 person: 1 nået (Teams)",
    f"08:00 · {JESPER_}: Kvitteret af Jesper Thyrring Møller for kriseleder via Teams",
    f"08:00 · {JESPER_}: Beslutning: Aktivér kriseberedskab, møde kl. 09:30",
    f"08:00 · Indkaldelse til 7 personer: 6 nået (Teams, sms), {HENRIK_UNREACHABLE}",
    "08:00 · system: Ingen har kvitteret for ansvarlig for økonomi – indkaldelse: eskaleret til første stedfortræder: "
    "Emil B. Christensen; Henrik Jebjerg Mogensen kaldes igen",
    "08:10 · system: Ingen har kvitteret for ansvarlig for IT og Digitalisering – indkaldelse: eskaleret til første "
    "stedfortræder: Peter Knudsen; Claus Vagn Ohrt kaldes igen",
    "08:10 · system: Ingen har kvitteret for ansvarlig for kommunikation – indkaldelse: eskaleret til første "
    "stedfortræder: Maria-Louise R. Jørgensen; Lisbeth Kusk kaldes igen",
    "08:10 · system: Ingen har kvitteret for kriseleder – indkaldelse: eskaleret til første stedfortræder: Emil B. "
    "Christensen; Jesper Thyrring Møller kaldes igen",
    "08:10 · system: Ingen har kvitteret for ansvarlig for situationsbillede, log og dokumentation – indkaldelse: "
    "eskaleret til første stedfortræder: Peter Knudsen; Claus Vagn Ohrt kaldes igen",
    "08:10 · system: Ingen har kvitteret for ansvarlig for økonomi – indkaldelse: alle i kæden er prøvet",
    "08:10 · Besked om en rolle, ingen har kvitteret for, til 2 personer: 2 nået (Teams, sms)",
    "08:10 · Lisbeth Kusk (Kommunikationsteam): Svar på indkaldelse fra Lisbeth Kusk: Kommer, ankomst ca. kl. 08:30 (20 min)",
    f"08:10 · {JESPER_}: Svar på indkaldelse fra Jesper Thyrring Møller: Kommer",
    f"08:10 · {JESPER_}: Logbog (handling): Lønkørslen genstartes",
    f"08:10 · {JESPER_}: Sms fra Jesper Thyrring Møller (+4529256511): «KRISE Jeg er på vej» – ikke forstået: intet udført",
    f"08:10 · {JESPER_}: Sms fra Jesper Thyrring Møller (+4529256511): «KRISE STATUS» – overblik sendt",
    f"08:10 · {JESPER_}: Krisen afsluttet",
    f"08:10 · Besked om, at krisen er afsluttet, til 6 personer: 5 nået (Teams, sms), 1 ikke nået endnu: {HENRIK}",
]
"""The thread a crisis room reads: the alarm, the assessment, the decision, each answer, the escalations, the role
nobody covers, the log entry, the SMS that did nothing, the close; and one summary per alarmering wave."""


async def provider_ids(crisis: Crisis, crisis_id: str, gateway: FakeGatewayApi, voice: FakeTwilioVoice) -> set[str]:
    """Every id of a message, SMS or call the fakes handed out (and the logbog keeps)."""
    recorded = {
        str(getattr(e.payload, "provider_id", "") or "") for e in await crisis.bot.store.events(crisis_id=crisis_id)
    }
    handed_out = {str(sms.id) for sms in gateway.sent} | {call.sid for call in voice.calls}
    return (recorded | handed_out) - {""}


async def test_a_crisis_with_seven_summoned_posts_one_line_per_human_event_and_one_summary_per_wave(
    crisis: Crisis, connector: FakeConnector, gateway: FakeGatewayApi, voice: FakeTwilioVoice, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await played(crisis, phones, voice, clock)
    await phones.text("lak", phones.code("lak", "K") + " 20")
    await crisis.taps(JESPER, "summons_coming", crisis=crisis_id, eta="")
    await later(crisis, clock, 1)
    await crisis.says(JESPER, f"log {crisis_id} Lønkørslen genstartes")
    await later(crisis, clock, 1)
    await phones.text("jesper", "KRISE Jeg er på vej")
    await voice.ring_out()
    await later(crisis, clock, 1)
    before = len(connector.sent(JESPER.chat_id))
    await crisis.says(JESPER, "status")
    assert len(connector.sent(JESPER.chat_id)) > before, "status is answered in the chat"
    await phones.text("jesper", "KRISE STATUS")
    await crisis.says(JESPER, f"afslut {crisis_id}")
    await later(crisis, clock, 1)

    conversation, posts = await thread_of(crisis, crisis_id)
    assert posts == THREAD, posts
    summons = [a for a in connector.sent(conversation) if "Indkaldelse til" in visible(a.get("text") or "")]
    assert len(summons) == 1, "the summons wave has one post"
    edits = [u for u in connector.updates(conversation) if u["id"] == summons[0]["id"]]
    assert len(edits) >= 3 and visible(edits[-1]["text"]).startswith("08:00 · Indkaldelse til 7 personer"), "edited in place"
    assert len({visible(edit["text"]) for edit in edits}) == len(edits), "edited only when its text changed"
    events = await crisis.bot.store.events(crisis_id=crisis_id)
    assert sum(e.payload.type in ("page_sent", "page_failed", "call_reported") for e in events) > 3 * len(posts), (
        "the logbog keeps every delivery"
    )

    ids = await provider_ids(crisis, crisis_id, gateway, voice)
    assert any(len(i) > 8 for i in ids)
    thread_texts = [a.get("text") or "" for a in [*connector.sent(conversation), *connector.updates(conversation)]]
    assert not [(i, t) for t in thread_texts for i in ids if i in t], "no id in the log thread"
    shown = [json.dumps(a, ensure_ascii=False) for a in [*connector.sent(), *connector.updates()]]
    shown += [sms.message for sms in gateway.sent] + [" ".join(call.words()) for call in voice.calls]
    sms_and_calls = {str(sms.id) for sms in gateway.sent} | {call.sid for call in voice.calls}
    assert not [i for i in sms_and_calls for text in shown if i in text], "no SMS or call id on a card, answer or SMS"


async def test_after_a_restart_the_waves_summary_is_edited_not_posted_again(
    start_bot, crisis: Crisis, connector: FakeConnector, gateway: FakeGatewayApi, voice: FakeTwilioVoice, clock: Clock,
) -> None:
    crisis_id = await activated(crisis, clock)
    conversation, _ = await thread_of(crisis, crisis_id)
    [summary] = [a for a in connector.sent(conversation) if "Indkaldelse til" in visible(a.get("text") or "")]
    [shown] = [post for post in connector.transcript(conversation) if post["id"] == summary["id"]]
    assert "2 ikke nået endnu: Henrik Jebjerg Mogensen, Lisbeth Kusk" in visible(shown["text"]), "their calls ring"
    settings = crisis.bot.client.app[SETTINGS]
    await crisis.bot.client.close()

    restarted = Crisis(await start_bot(settings, shipped_plan(), clock=clock), connector)
    voice.serve(PUBLIC_URL, at=str(restarted.bot.client.make_url("/")))
    await voice.ring_out()
    await later(restarted, clock, 1)

    posted = [a for a in connector.sent(conversation) if "Indkaldelse til" in visible(a.get("text") or "")]
    assert posted == [summary], "not posted again"
    _, posts = await thread_of(restarted, crisis_id)
    assert f"08:00 · Indkaldelse til 5 personer: 4 nået (Teams, sms), 1 ikke nået endnu: {HENRIK}" in posts, posts
    edits = [u for u in connector.updates(conversation) if u["id"] == summary["id"]]
    assert "Lisbeth" not in visible(edits[-1]["text"]), "the restarted Krisebot edited it: her SMS reached her"
