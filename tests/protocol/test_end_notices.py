"""When a crisis ends, the people it reached are told: closing stands everyone down on the channels that
reached them, and «ikke kritisk» is told to the person who raised the alarm. The real app on the bundled plan
as shipped, with Teams, SMS on a fake GatewayAPI and calls on a fake Twilio that rings until a test answers."""

import pytest

from bot.app import SMS_INBOX
from tests.clock import Clock
from tests.fakes.connector import ADAPTIVE_CARD, FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.twilio import ACCOUNT_SID
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.markdown import shown_texts, visible
from tests.protocol.crisis import Crisis, activated, alarm, installed_for, verbs
from tests.protocol.teams import CLAUS, EVERYONE, HENRIK, JESPER, LISBETH

PUBLIC_URL = "https://krisebot.struer.dk"
LISBETH_MOBILE = 4540408007
HENRIK_LANDLINE = "+4596848211"


@pytest.fixture
async def gateway():
    async with FakeGatewayApi() as fake:
        yield fake


@pytest.fixture
async def crisis(
    settings_for, start_bot, connector: FakeConnector, gateway: FakeGatewayApi, twilio: FakeTwilioVoice, clock: Clock
) -> Crisis:
    """Everyone but the finance head has written to the bot (he has only a landline: a call is all that reaches him)."""
    settings = settings_for(
        sms_provider="gatewayapi", gatewayapi_base_url=gateway.url.rstrip("/"), gatewayapi_token=gateway.token,
        gatewayapi_webhook_secret=gateway.webhook_secret, voice_provider="twilio", voice_caller_id="+4596841000",
        twilio_base_url=twilio.url.rstrip("/"), twilio_account_sid=ACCOUNT_SID, twilio_auth_token=twilio.auth_token,
        public_url=PUBLIC_URL,
    )
    bot = await start_bot(settings, clock=clock)
    twilio.serve(PUBLIC_URL, at=str(bot.client.make_url("/")))
    return await installed_for(bot, connector, [user for user in EVERYONE if user is not HENRIK])


def texts(card: dict) -> list[str]:
    return [visible(text) for text in shown_texts(card)]


def cards_now(connector: FakeConnector, user) -> list[dict]:
    """The cards in ``user``'s chat as they show now (updates applied)."""
    return [
        attachment["content"] for activity in connector.transcript(user.chat_id)
        for attachment in activity.get("attachments") or [] if attachment.get("contentType") == ADAPTIVE_CARD
    ]


def sms_to(gateway: FakeGatewayApi, msisdn: int) -> list[str]:
    return [sms.message for sms in gateway.sent if sms.msisdn == msisdn]


async def test_closing_stands_down_everyone_reached_on_the_channels_that_reached_them(
    crisis: Crisis, connector: FakeConnector, gateway: FakeGatewayApi, twilio: FakeTwilioVoice
) -> None:
    crisis_id = await activated(crisis)
    assert [call for call in twilio.calls if call.to == HENRIK_LANDLINE], "only his landline reaches the finance head"
    calls, lisbeths_sms = len(twilio.calls), len(sms_to(gateway, LISBETH_MOBILE))
    cards = {user: len(crisis.cards_of(user)) for user in (JESPER, CLAUS, LISBETH)}

    await crisis.taps(JESPER, "close", crisis=crisis_id, note="Lønnen er kørt")
    await crisis.settled()

    said = f"Krisen {crisis_id} er afsluttet – I skal ikke møde op."
    for user in (CLAUS, LISBETH):
        [stand_down] = crisis.cards_of(user)[cards[user]:]
        assert said in texts(stand_down) and "Lønnen er kørt" in texts(stand_down), user.name
        assert verbs(stand_down) == set(), "nothing to answer"
        assert not [card for card in cards_now(connector, user) if verbs(card) - {"refresh"}], (
            f"{user.name}'s earlier cards were updated in place: no button is left to press"
        )
    assert crisis.cards_of(JESPER)[cards[JESPER]:] == [], "the one who closed it is not told"
    [sms] = sms_to(gateway, LISBETH_MOBILE)[lisbeths_sms:]
    assert sms.startswith(f"Krise {crisis_id}: krisen er afsluttet - I skal ikke møde op."), "her call becomes an SMS"
    [call] = twilio.calls[calls:]
    assert call.to == HENRIK_LANDLINE, "only the finance head, whom nothing but a call reached, is called"
    await twilio.answer(call)
    assert f"Krise K, 2026, 0 0 1 er afsluttet." in call.words() and "Du skal ikke møde op." in call.words()
    sent = {(e.payload.person, e.payload.channel) for e in await crisis.bot.store.events(crisis_id=crisis_id)
            if e.payload.type == "page_sent" and e.payload.purpose == "stand_down"}
    assert sent == {("cvo", "teams"), ("lak", "teams"), ("lak", "sms"), ("hjm", "voice")}


async def test_not_critical_is_told_to_the_person_who_raised_the_alarm_in_teams(crisis: Crisis, gateway: FakeGatewayApi) -> None:
    crisis_id = await alarm(crisis, user=LISBETH)
    before = len(crisis.cards_of(LISBETH))

    await crisis.taps(CLAUS, "triage_not_critical", crisis=crisis_id, assessment="Kun én printer er ramt")
    await crisis.settled()

    [notice] = crisis.cards_of(LISBETH)[before:]
    shown = texts(notice)
    assert shown[:2] == [crisis_id, "Din alarm er vurderet: ikke kritisk"]
    assert "Claus Vagn Ohrt har vurderet den alarm, du rejste, som ikke kritisk. Du skal ikke gøre mere." in shown
    assert "Kun én printer er ramt" in shown, "with the assessment"
    assert verbs(notice) == set()
    assert sms_to(gateway, LISBETH_MOBILE) == [], "she raised it in Teams: she is told there"


async def test_not_critical_is_told_by_sms_to_whoever_raised_the_alarm_by_sms(crisis: Crisis, gateway: FakeGatewayApi) -> None:
    webhook = str(crisis.bot.client.make_url("/api/sms/gatewayapi"))
    assert (await gateway.inbound(webhook, LISBETH_MOBILE, "ALARM Hjemmesiden viser en fejl")).status == 200
    await crisis.settled()
    crisis_id = next(e.crisis_id for e in await crisis.bot.store.events() if e.payload.type == "alarm_raised")
    cards = len(crisis.cards_of(LISBETH))

    await crisis.taps(CLAUS, "triage_not_critical", crisis=crisis_id, assessment="Siden virker igen")
    await crisis.settled()
    await crisis.bot.client.app[SMS_INBOX].drain()

    told = [sms for sms in sms_to(gateway, LISBETH_MOBILE) if "ikke kritisk" in sms]
    assert told == [
        f"Krise {crisis_id}: din alarm er vurderet ikke kritisk af Claus Vagn Ohrt. Hjemmesiden viser en fejl. "
        "Vurdering: Siden virker igen."
    ]
    assert len(crisis.cards_of(LISBETH)) == cards, "she raised it by SMS: she is told there"
